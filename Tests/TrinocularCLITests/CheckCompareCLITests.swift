import Foundation
import Imaging
import Interchange
import TestSupport
import Testing

/// `trinocular check` (issue 21): the subject out of the working range or cut by a border is
/// flagged by `distance` or `framing` alone; `--compare` finds exactly the one thing that
/// differs between two visits (exposure × 1.4, a 7° turn, the backdrop) and calls repeats
/// comparable; a 2D photograph series passes, and an "after" series with another backdrop,
/// aspect ratio or 30 % more brightness is flagged with that reason.
struct CheckCompareCLITests {
    /// Quarter-size captures (612 × 512) with the protocol's minimum scaled with them.
    static func quarterSizeProtocol(in dir: URL, base: String = "breast", megapixels: String = "0.3") throws -> String {
        let url = dir.appendingPathComponent("\(base)-small.json")
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("protocols/\(base).json"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"minimumMegapixels\": 5", with: "\"minimumMegapixels\": \(megapixels)").utf8).write(to: url)
        return url.path
    }

    static func synth(_ dir: URL, _ name: String, _ extra: [String]) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let run = try Run(["synth", "capture", "--scale", "0.25", "--tint", "--backdrop", "light-blue", "--out", out.path] + extra)
        try #require(run.status == 0, "\(run.stderr)")
        return out
    }

    static func checks(_ run: Run) throws -> [String: String] {
        let report = try JSONValue.parse(Data(run.stdout.utf8))
        var statuses: [String: String] = [:]
        for c in report["checks"]?.array ?? [] {
            statuses["\(c["id"]?.string ?? "?") \(c["camera"]?.string ?? "-")"] = c["status"]?.string
        }
        return statuses
    }

    @Test func distanceAndFraming() throws {
        let dir = try TestPaths.temporaryFolder("check-placement")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try Self.quarterSizeProtocol(in: dir)
        let clean = try Self.checks(try Run(["check", try Self.synth(dir, "clean", []).path, "--protocol", p, "--json"]))
        #expect(clean.values.allSatisfy { $0 == "pass" }, "\(clean.filter { $0.value != "pass" })")
        // 450 mm farther: the surface at ~1370 mm, beyond the working range 700–1300 mm.
        let far = try Run(["check", try Self.synth(dir, "far", ["--shift", "0,0,450"]).path, "--protocol", p, "--json"])
        let farChecks = try Self.checks(far)
        #expect(farChecks["distance -"] == "fail", "\(far.stdout)")
        #expect(farChecks.filter { $0.key != "distance -" && $0.value != "pass" }.isEmpty, "only the distance: \(farChecks.filter { $0.value != "pass" })")
        #expect(far.stdout.contains("closer"))
        // 200 mm to the right: the torso cut by the right border of the cameras that see it so.
        let side = try Run(["check", try Self.synth(dir, "side", ["--shift", "200,0,0"]).path, "--protocol", p, "--json"])
        let sideChecks = try Self.checks(side)
        let cut = sideChecks.filter { $0.value != "pass" }
        #expect(!cut.isEmpty && cut.keys.allSatisfy { $0.hasPrefix("framing cam") }, "only framing, by camera: \(cut)")
        #expect(sideChecks["framing cam1"] == "fail" && side.stdout.contains("cam1: the subject reaches the image's right"), "\(side.stdout)")
    }

    @Test func twoVisitsComparedForTheOneThingThatDiffers() throws {
        let dir = try TestPaths.temporaryFolder("check-compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try Self.quarterSizeProtocol(in: dir)
        let before = try Self.synth(dir, "before", [])
        func compare(_ after: URL) throws -> (verdict: String?, reasons: [String], report: JSONValue) {
            let run = try Run(["check", "--compare", before.path, after.path, "--protocol", p, "--json"])
            try #require(run.status == 0, "\(run.stderr)")
            let report = try JSONValue.parse(Data(run.stdout.utf8))
            #expect(report["format"]?.string == "trinocular.check-compare/1")
            return (report["verdict"]?.string, (report["reasons"]?.array ?? []).compactMap { $0["id"]?.string }, report)
        }
        let repeatSession = try compare(try Self.synth(dir, "repeat", ["--noise-seed", "7"]))
        #expect(repeatSession.verdict == "comparable" && repeatSession.reasons.isEmpty, "\(repeatSession.report)")
        for (name, extra, reason) in [("brighter", ["--gains", "1.4"], "exposure"), ("turned", ["--turn", "7"], "pose"), ("grey", ["--backdrop", "grey"], "backdrop")] {
            let outcome = try compare(try Self.synth(dir, name, extra + ["--noise-seed", "7"]))
            #expect(outcome.verdict == "not comparable" && outcome.reasons == [reason], "\(name): \(outcome.reasons) \(outcome.report)")
            if name == "turned" {
                let pose = (outcome.report["checks"]?.array ?? []).first { $0["id"]?.string == "pose" }
                #expect(abs((pose?["value"]?.number ?? 0) - 7) < 0.5, "the turn measured: \(String(describing: pose))")
            }
        }
        // Text output, and a folder that is neither a capture nor photographs.
        let text = try Run(["check", "--compare", before.path, dir.appendingPathComponent("turned").path, "--protocol", p])
        #expect(text.status == 0 && text.stdout.hasPrefix("NOT COMPARABLE") && text.stdout.contains("turned 7."), "\(text.stdout)")
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let bad = try Run(["check", "--compare", before.path, empty.path, "--protocol", p])
        #expect(bad.status == 2 && bad.stderr.contains("empty") && bad.stderr.contains("no photograph"), "\(bad.stderr)")
    }
}

/// `batch` keeps every capture's checks, `study checks` lists those that do not pass, and
/// `study compare` lists each subject's visits that cannot be compared with its first.
struct StudyStandardsCLITests {
    @Test func aStudysChecksAndItsNonComparablePairs() throws {
        let dir = try TestPaths.temporaryFolder("study-standards")
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        // Subject A: a baseline and a repeat; subject B: a baseline and a visit 1.4 × as bright.
        for (name, subject, extra) in [("a1", "A", [String]()), ("a2", "A", ["--noise-seed", "5"]), ("b1", "B", []), ("b2", "B", ["--gains", "1.4", "--noise-seed", "5"])] {
            let folder = try CheckCompareCLITests.synth(study, name, extra)
            let manifest = folder.appendingPathComponent("capture.json")
            let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "\"SYNTH\"", with: "\"\(subject)\"")
            try Data(text.utf8).write(to: manifest)
        }
        let compared = try Run(["study", "compare", study.path, "--json"])
        try #require(compared.status == 0, "\(compared.stderr)")
        let pairs = try JSONValue.parse(Data(compared.stdout.utf8))["pairs"]?.array ?? []
        #expect(pairs.count == 2)
        for pair in pairs {
            let reasons = (pair["reasons"]?.array ?? []).compactMap { $0["id"]?.string }
            #expect(pair["subject"]?.string == "A" ? reasons.isEmpty : reasons == ["exposure"], "\(pair)")
        }

        // batch records the checks (the quarter-size images fail the breast protocol's 5 MP
        // minimum; the brighter visit's cameras are brighter alike, so each passes exposure
        // against the others, but its light-blue backdrop clips), and study checks lists what
        // did not pass, by capture and camera.
        let out = dir.appendingPathComponent("out")
        let batch = try Run(["batch", study.path, "--out", out.path])
        try #require(batch.status == 0, "\(batch.stderr)")
        let listed = try Run(["study", "checks", out.path, "--json"])
        try #require(listed.status == 0, "\(listed.stderr)")
        let flagged = try JSONValue.parse(Data(listed.stdout.utf8))["checks"]?.array ?? []
        #expect(Set(flagged.compactMap { $0["capture"]?.string }) == ["a1", "a2", "b1", "b2"])
        let resolution = flagged.filter { $0["id"]?.string == "resolution" }, others = flagged.filter { $0["id"]?.string != "resolution" }
        #expect(resolution.count == 12, "three cameras in four captures")
        #expect(others.count == 3 && others.allSatisfy { $0["capture"]?.string == "b2" && $0["id"]?.string == "backdrop" && ($0["message"]?.string ?? "").contains("clipped") },
                "and the brighter visit's clipped backdrop in each camera: \(others)")
    }
}
