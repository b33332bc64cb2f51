import Foundation
import Interchange

/// The optional `capture.json` of a capture folder, `"format": "trinocular.capture/1"`.
/// Every key is optional; unknown keys are ignored (contract: "Capture folder").
public struct CaptureManifest: Sendable, Equatable, Codable {
    public static let formatTag = "trinocular.capture/1"

    public var format: String?
    /// Path of the rig file, relative to the capture folder.
    public var rig: String?
    /// A pseudonymous subject id — never a name or record number.
    public var subject: String?
    /// e.g. `pre`, `post-6m`.
    public var session: String?
    /// `face`, `breast`, `abdomen`, `body`, …
    public var region: String?
    public var view: String?
    /// The uses the patient agreed to, of `clinical`, `education`, `publication`. In the file
    /// a list names them exactly; a single word names the widest, which covers the narrower
    /// ones (`"education"` = clinical and education).
    public var consent: [String]?
    /// `[near, far]` in mm in front of the cameras (depth along their mean viewing direction; `WorkingSlab`).
    public var workingRange: [Double]?

    public init(format: String? = CaptureManifest.formatTag, rig: String? = nil, subject: String? = nil,
                session: String? = nil, region: String? = nil, view: String? = nil,
                consent: [String]? = nil, workingRange: [Double]? = nil) {
        self.format = format; self.rig = rig; self.subject = subject; self.session = session
        self.region = region; self.view = view; self.consent = consent; self.workingRange = workingRange
    }

    /// Reads and checks a `capture.json`. - Throws: `CaptureError` naming the file.
    public init(contentsOf url: URL) throws {
        try self.init(json: InputLimits.read(url, what: "a capture.json"), file: url.path)
    }

    /// Parses and checks capture.json's bytes; `file` names the source in errors.
    public init(json data: Data, file: String) throws {
        do { self = try JSONDecoder().decode(CaptureManifest.self, from: data) } catch {
            throw CaptureError(file: file, problem: "not a valid capture.json (\(CaptureManifest.describe(error).excerpt(200)))")
        }
        if let format, format != CaptureManifest.formatTag {
            throw CaptureError(file: file, problem: "format is \"\(format.excerpt())\"; this version reads \"\(CaptureManifest.formatTag)\"")
        }
        if let range = workingRange {
            guard range.count == 2, range[0] > 0, range[0] < range[1] else {
                let shown = range.count <= 4 ? "\(range)" : "\(range.count) numbers"
                throw CaptureError(file: file, problem: "workingRange must be [near, far] in mm with 0 < near < far, found \(shown)")
            }
        }
        for use in consent ?? [] where !CaptureManifest.uses.contains(use) {
            throw CaptureError(file: file, problem: "consent is \"\(use.excerpt())\"; use clinical, education or publication (or a list of them)")
        }
    }

    /// Uses a patient can consent to, narrowest first.
    public static let uses = ["clinical", "education", "publication"]

    enum Keys: String, CodingKey { case format, rig, subject, session, region, view, consent, workingRange }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        rig = try c.decodeIfPresent(String.self, forKey: .rig)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        session = try c.decodeIfPresent(String.self, forKey: .session)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        view = try c.decodeIfPresent(String.self, forKey: .view)
        workingRange = try c.decodeIfPresent([Double].self, forKey: .workingRange)
        if let word = try? c.decodeIfPresent(String.self, forKey: .consent) {
            // The widest use named covers the narrower ones.
            let rank = CaptureManifest.uses.firstIndex(of: word)
            consent = rank.map { Array(CaptureManifest.uses[...$0]) } ?? [word]
        } else {
            consent = try c.decodeIfPresent([String].self, forKey: .consent)
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx):
            let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "\(path.hasPrefix(".") ? String(path.dropFirst()) : path): \(ctx.debugDescription)"
        case let DecodingError.dataCorrupted(ctx):
            return ctx.underlyingError.map { "\($0.localizedDescription)" } ?? ctx.debugDescription
        default:
            return "\(error)"
        }
    }

    /// The manifest as JSON, keys in the contract's order; absent keys are left out.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let format { pairs.append(("format", .string(format))) }
        if let rig { pairs.append(("rig", .string(rig))) }
        if let subject { pairs.append(("subject", .string(subject))) }
        if let session { pairs.append(("session", .string(session))) }
        if let region { pairs.append(("region", .string(region))) }
        if let view { pairs.append(("view", .string(view))) }
        if let consent { pairs.append(("consent", .array(consent.map { .string($0) }))) }
        if let workingRange { pairs.append(("workingRange", .numbers(workingRange))) }
        return .object(pairs)
    }
}
