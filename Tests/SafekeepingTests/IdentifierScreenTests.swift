import Foundation
import Safekeeping
import TestSupport
import Testing

struct IdentifierScreenTests {
    @Test func namesDatesAndRecordNumbersAreCaughtAndPseudonymsPass() {
        let screen = IdentifierScreen()
        for value in ["Jane Doe", "Doe, Jane", "Jane_Doe", "DOE^JANE", "Mrs Example", "1961-04-02", "02/04/1961",
                      "02.04.61", "19610402", "MRN 00412345", "00412345", "S017_1961-04-02", "nhs-4857773456"] {
            #expect(screen.suspicion(value) != nil, "\(value) passed")
        }
        for value in ["S017", "subj-03", "P12-pre", "case_0042", "pre", "post-6m", "breast", "A1B2C3", "visit2", "S0001"] {
            #expect(screen.suspicion(value) == nil, "\(value) flagged as \(screen.suspicion(value) ?? "")")
        }
        #expect(screen.suspicion("Jane Doe") == "a person's name" && screen.suspicion("1961-04-02") == "a date (of birth?)")
    }

    @Test func aPracticeAddsItsOwnPatterns() throws {
        let root = try TestPaths.temporaryFolder("screen")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("patterns.json")
        try Data(#"{"patterns": [{"kind": "a hospital number", "regex": "^H\\d{4}$"}]}"#.utf8).write(to: file)
        let screen = try IdentifierScreen.load(file)
        #expect(screen.suspicion("H1234") == "a hospital number" && screen.suspicion("Jane Doe") != nil)
        try Data(#"{"patterns": [{"regex": "(unclosed"}]}"#.utf8).write(to: file)
        let error = #expect(throws: ScreenError.self) { try IdentifierScreen.load(file) }
        #expect(error?.description.contains("pattern 1 is not a valid regular expression") == true)
    }

    @Test func consentIsHonoured() {
        #expect(ConsentCheck.refusal(consent: nil, purpose: .clinical, deidentified: false, region: "face") == nil)
        #expect(ConsentCheck.refusal(consent: ["clinical", "education"], purpose: .education, deidentified: false, region: "face") == nil)
        #expect(ConsentCheck.refusal(consent: ["clinical"], purpose: .publication, deidentified: false, region: "breast") != nil)
        // De-identified body images are exempt; a face, or an unknown region, is not.
        #expect(ConsentCheck.refusal(consent: ["clinical"], purpose: .publication, deidentified: true, region: "breast") == nil)
        #expect(ConsentCheck.refusal(consent: ["clinical"], purpose: .publication, deidentified: true, region: "face")?.contains("face") == true)
        #expect(ConsentCheck.refusal(consent: nil, purpose: .education, deidentified: true, region: nil)?.contains("not recorded") == true)
    }
}
