import ArgumentParser
import Foundation
import Safekeeping

/// The options of every command that writes patient data for someone to use: what it is
/// for (checked against consent) and how names that look like PHI are treated.
struct PrivacyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What the output is for: clinical, education or publication (checked against capture.json's consent).", valueName: "PURPOSE"))
    var purpose: String?

    @Flag(help: "Refuse subjects and folder names that look like names, dates or record numbers instead of warning.")
    var strict = false

    @Option(name: .customLong("phi-patterns"), help: ArgumentHelp("A JSON file of extra patterns that identify a patient ({\"patterns\": [{\"kind\": …, \"regex\": …}]}).", valueName: "FILE"))
    var phiPatterns: String?

    func validate() throws {
        if let purpose, Purpose(rawValue: purpose) == nil { throw ValidationError("--purpose must be clinical, education or publication") }
    }

    var use: Purpose? { purpose.flatMap(Purpose.init) }

    func screen() throws -> IdentifierScreen {
        try phiPatterns.map { try IdentifierScreen.load(URL(fileURLWithPath: $0)) } ?? IdentifierScreen()
    }

    /// Warns about (or, with --strict, refuses) a value that looks like PHI.
    func check(_ value: String?, _ what: String, file: String, screen: IdentifierScreen, advice: String = "use a pseudonym") throws {
        guard let value, let kind = screen.suspicion(value) else { return }
        let message = "\(what) '\(value)' looks like \(kind); \(advice)"
        if strict { throw SafekeepingRefusal(file: file, problem: message + " (--strict)") }
        FileHandle.standardError.write(Data("warning: \(file): \(message)\n".utf8))
    }

    /// Refuses an export whose purpose the patient's consent does not cover.
    func checkConsent(_ consent: [String]?, region: String?, deidentified: Bool, file: String) throws {
        guard let use, let why = ConsentCheck.refusal(consent: consent, purpose: use, deidentified: deidentified, region: region) else { return }
        throw SafekeepingRefusal(file: file, problem: why)
    }
}
