import Foundation
import Interchange
import TestSupport
import Testing

/// `trinocular check` (issue 21, first part): a synthetic capture with the protocol's
/// light-blue backdrop passes; the default grey backdrop fails the backdrop check of every
/// camera, by name; --json has the documented shape; a missing image exits 2 naming it.
struct CheckCLITests {
    @Test func aCaptureAgainstItsProtocol() throws {
        let dir = try TestPaths.temporaryFolder("check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let blue = dir.appendingPathComponent("blue"), grey = dir.appendingPathComponent("grey")
        for (folder, backdrop) in [(blue, "light-blue"), (grey, "grey")] {
            let synth = try Run(["synth", "capture", "--scene", "mounds", "--scale", "0.5", "--tint", "--backdrop", backdrop, "--out", folder.path])
            try #require(synth.status == 0, "\(synth.stderr)")
        }
        // Half size: the protocol's 5 MP minimum scaled with it.
        let halfSize = dir.appendingPathComponent("breast-half.json")
        let breast = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("protocols/breast.json"), encoding: .utf8)
        try Data(breast.replacingOccurrences(of: "\"minimumMegapixels\": 5", with: "\"minimumMegapixels\": 1.25").utf8).write(to: halfSize)

        let pass = try Run(["check", blue.path, "--protocol", halfSize.path, "--json"])
        #expect(pass.status == 0, "\(pass.stderr)")
        let report = try JSONValue.parse(Data(pass.stdout.utf8))
        #expect(report["format"]?.string == "trinocular.check/1")
        #expect(report["verdict"]?.string == "pass", "\(pass.stdout)")
        let checks = report["checks"]?.array ?? []
        #expect(checks.count == 19, "six checks for each of three cameras, and the subject's distance")
        #expect(Set(checks.compactMap { $0["id"]?.string }) == ["resolution", "focus", "exposure", "colour", "backdrop", "framing", "distance"])
        for c in checks {
            let perCamera = c["id"]?.string != "distance"
            #expect((c["camera"]?.string?.hasPrefix("cam") == true) == perCamera && c["status"]?.string != nil && c["message"]?.string != nil && c["threshold"] != nil)
        }

        // The full-size protocol by its region: the half-size images fail resolution; the grey
        // backdrop fails the backdrop check of each camera, and the exit status is still 0.
        let small = try Run(["check", blue.path])
        #expect(small.status == 0 && small.stdout.hasPrefix("FAIL") && small.stdout.contains("MP"), "\(small.stdout)")
        let greyRun = try Run(["check", grey.path, "--protocol", halfSize.path])
        #expect(greyRun.status == 0, "\(greyRun.stderr)")
        for camera in ["cam0", "cam1", "cam2"] {
            #expect(greyRun.stdout.contains("fail  backdrop   \(camera)"), "\(greyRun.stdout)")
        }
        let flagged = greyRun.stdout.split(separator: "\n").filter { $0.hasPrefix("  fail") || $0.hasPrefix("  warn") }
        #expect(flagged.count == 3 && flagged.allSatisfy { $0.contains(" backdrop ") }, "only the backdrops: \(flagged)")

        // Bad input: an unknown protocol, a missing image.
        let unknown = try Run(["check", blue.path, "--protocol", "knee"])
        #expect(unknown.status == 2 && unknown.stderr.contains("knee"), "\(unknown.stderr)")
        try FileManager.default.removeItem(at: blue.appendingPathComponent("cam1.png"))
        let missing = try Run(["check", blue.path])
        #expect(missing.status == 2 && missing.stderr.contains("cam1"), "\(missing.stderr)")
    }
}
