import Foundation
import Interchange

/// Spots values that look like a person's name, a date of birth or a record number where a
/// pseudonym belongs (capture.json's `subject`, folder names). A screen, not a proof: it
/// catches the usual slips (`Jane_Doe`, `DOE^JANE`, `1961-04-02`, `MRN 00412345`) and lets
/// pseudonyms such as `S017`, `subj-03` or `P12-pre` through. Patterns are regular
/// expressions; a practice adds its own (its record-number format) from a JSON file.
public struct IdentifierScreen: Sendable {
    public struct Pattern: Sendable {
        /// What a match looks like, for the warning: "a person's name", "a date", …
        public var kind: String
        public var regex: String
        public init(kind: String, regex: String) { self.kind = kind; self.regex = regex }
    }

    public var patterns: [Pattern]

    /// The built-in patterns.
    public static let defaultPatterns: [Pattern] = [
        // Two or more capitalised words: "Jane Doe", "Doe, Jane", "Jane_Doe", "DOE^JANE" (DICOM).
        Pattern(kind: "a person's name", regex: #"^[A-Z][a-z]+(?:[ _,.\-]+|\^)[A-Z][a-z]+"#),
        Pattern(kind: "a person's name", regex: #"[A-Za-z]{2,}\^[A-Za-z]{2,}"#),
        Pattern(kind: "a person's name", regex: #"\b(?:Mrs?|Ms|Miss|Dr|Prof)\.?[ _]+[A-Z][a-z]+"#),
        // Dates: 1961-04-02, 02/04/1961, 02.04.61, 19610402.
        Pattern(kind: "a date (of birth?)", regex: #"(?:19|20)\d\d[-/._](?:0?[1-9]|1[0-2])[-/._](?:0?[1-9]|[12]\d|3[01])"#),
        Pattern(kind: "a date (of birth?)", regex: #"\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)?\d\d\b"#),
        Pattern(kind: "a date (of birth?)", regex: #"(?<!\d)(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"#),
        // Record numbers: six or more digits in a row, or a labelled number.
        Pattern(kind: "a record number", regex: #"\d{6,}"#),
        Pattern(kind: "a record number", regex: #"(?i)\b(?:mrn|nhs|ssn|dob|patient)\b"#),
    ]

    public init(patterns: [Pattern] = IdentifierScreen.defaultPatterns) { self.patterns = patterns }

    /// The built-in patterns plus those of a JSON file:
    /// `{"patterns": [{"kind": "a record number", "regex": "H\\d{5}"}], "replaceDefaults": false}`.
    /// - Throws: `ScreenError` naming the file for unreadable JSON or a bad expression.
    public static func load(_ url: URL) throws -> IdentifierScreen {
        let json: JSONValue
        do { json = try JSONValue.parse(InputLimits.read(url, what: "a patterns file")) } catch {
            throw ScreenError(file: url.path, problem: "is not a readable JSON patterns file (\(error))")
        }
        guard let list = json["patterns"]?.array else {
            throw ScreenError(file: url.path, problem: "has no \"patterns\" list ({\"patterns\": [{\"kind\": …, \"regex\": …}]})")
        }
        var patterns = json["replaceDefaults"]?.bool == true ? [] : defaultPatterns
        for (i, item) in list.enumerated() {
            guard let regex = item["regex"]?.string else { throw ScreenError(file: url.path, problem: "pattern \(i + 1) has no \"regex\"") }
            guard (try? NSRegularExpression(pattern: regex)) != nil else {
                throw ScreenError(file: url.path, problem: "pattern \(i + 1) is not a valid regular expression: \(regex.excerpt())")
            }
            patterns.append(Pattern(kind: item["kind"]?.string ?? "an identifier", regex: regex))
        }
        return IdentifierScreen(patterns: patterns)
    }

    /// What `value` looks like (the first matching kind), or nil if it passes.
    public func suspicion(_ value: String) -> String? {
        let range = NSRange(value.startIndex..., in: value)
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p.regex) else { continue }
            if re.firstMatch(in: value, range: range) != nil { return p.kind }
        }
        return nil
    }
}

/// A patterns file that cannot be used.
public typealias ScreenError = FileProblem

/// What a patient agreed to (capture.json's `consent`) against what an export is for.
public enum Purpose: String, Sendable, CaseIterable {
    case clinical, education, publication
}

public enum ConsentCheck {
    /// Why an export for `purpose` may not go ahead, or nil if it may.
    ///
    /// - Clinical use needs no more than the capture itself (a missing `consent` is
    ///   accepted: the treating team made it).
    /// - Education and publication need that consent recorded — unless the output is
    ///   de-identified and the capture does not show the face (`region` recorded, and other
    ///   than `face` or `head`): de-identified images that cannot be linked to a patient are exempt,
    ///   and a face cannot be de-identified by removing metadata.
    public static func refusal(consent: [String]?, purpose: Purpose, deidentified: Bool, region: String?) -> String? {
        if purpose == .clinical { return nil }
        if let consent, consent.contains(purpose.rawValue) { return nil }
        let shown = consent.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "not recorded"
        // A capture whose region is not recorded may show a face.
        let faceShown = region.map { ["face", "head"].contains($0.lowercased()) } ?? true
        if deidentified && !faceShown { return nil }
        var why = "the patient's consent (\(shown)) does not cover \(purpose.rawValue)"
        if !deidentified { why += "; a de-identified export (trinocular deidentify) of a body region would be allowed" }
        else if faceShown {
            why += region == nil ? ", and the capture's region is not recorded (a face stays identifiable without its metadata)"
                                 : ", and a face stays identifiable without its metadata"
        }
        return why
    }
}
