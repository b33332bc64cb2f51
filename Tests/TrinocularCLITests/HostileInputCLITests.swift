import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's reproductions, each as an attacker or a careless user would meet it through
/// the command line: hostile files end in exit 2 naming the file (or the documented
/// behaviour), never a trap, never output, never a leftover. Runs the release binary.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil,
                             "runs the release binary: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct HostileInputCLITests {
    /// Exit 2 (not a trap: a signal would show as another status), the file named.
    static func expectRefused(_ run: Run, naming file: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 2, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(file), "\(run.stderr) does not name \(file)", sourceLocation: sourceLocation)
        #expect(run.stderr.count < 1000, "a \(run.stderr.count)-character error", sourceLocation: sourceLocation)
    }

    static func tetrahedronPLY(vertexLines: [String], properties: String) -> String {
        "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n\(properties)"
            + "element face 4\nproperty list uchar int vertex_indices\nend_header\n"
            + vertexLines.joined(separator: "\n") + "\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n"
    }

    // 1, 2, 5, 11: meshes.
    @Test func hostileMeshesAreReadOrRefusedNeverTrapped() throws {
        let dir = try TestPaths.temporaryFolder("hostile-mesh")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 1. A float colour far outside 0…255 is clamped (documented in formats.md).
        let colours = dir.appendingPathComponent("colour.ply")
        try Self.tetrahedronPLY(vertexLines: ["0 0 0 1e20 -1e20 7", "1 0 0 0 0 0", "0 1 0 0 0 0", "0 0 1 0 0 0"],
                                properties: "property float red\nproperty float green\nproperty double blue\n").write(to: colours, atomically: true, encoding: .utf8)
        let c = try Run(["measure", colours.path])
        #expect(c.status == 0 && c.stdout.contains("4 vertices"), "\(c.status): \(c.stderr)")
        // 2. An OBJ colour whose ×255 overflows an integer.
        let obj = dir.appendingPathComponent("colour.obj")
        try "v 0 0 0 1e17 0 0\nv 1 0 0 0 0 0\nv 0 1 0 0 0 1e300\nf 1 2 3\n".write(to: obj, atomically: true, encoding: .utf8)
        let o = try Run(["measure", obj.path])
        #expect(o.status == 0 && o.stdout.contains("3 vertices"), "\(o.status): \(o.stderr)")
        // 5. A list-typed normal property.
        let normals = dir.appendingPathComponent("normals.ply")
        try Self.tetrahedronPLY(vertexLines: ["0 0 0 1 0 0 1", "1 0 0 1 0 0 1", "0 1 0 1 0 0 1", "0 0 1 1 0 0 1"],
                                properties: "property list uchar float nx\nproperty float ny\nproperty float nz\n").write(to: normals, atomically: true, encoding: .utf8)
        Self.expectRefused(try Run(["measure", normals.path]), naming: normals.path)
        // 11. A 1.6 kB header declaring 40 property-less elements of 500 M each.
        let huge = dir.appendingPathComponent("elements.ply")
        var header = "ply\nformat ascii 1.0\n"
        for i in 0..<40 { header += "element e\(i) 500000000\n" }
        try (header + "element vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\n"
             + "property list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n").write(to: huge, atomically: true, encoding: .utf8)
        let started = Date()
        let h = try Run(["measure", huge.path])
        #expect(h.status == 0 && Date().timeIntervalSince(started) < 5, "\(h.status) after \(Date().timeIntervalSince(started)) s: \(h.stderr)")
        // A count the body cannot hold is refused at once, before any work.
        let short = dir.appendingPathComponent("short.ply")
        try "ply\nformat ascii 1.0\nelement vertex 400000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n"
            .write(to: short, atomically: true, encoding: .utf8)
        Self.expectRefused(try Run(["measure", short.path]), naming: short.path)
    }

    // 3 and 14: the audit log.
    @Test func aDamagedAuditLogIsReportedNotTrapped() throws {
        let dir = try TestPaths.temporaryFolder("hostile-audit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("audit.log"), head = dir.appendingPathComponent("kept/head")
        try FileManager.default.createDirectory(at: head.deletingLastPathComponent(), withIntermediateDirectories: true)
        let env = ["TRINOCULAR_AUDIT_LOG": log.path, "TRINOCULAR_AUDIT_HEAD_FILE": head.path]
        let mesh = dir.appendingPathComponent("m.ply")
        try Self.tetrahedronPLY(vertexLines: ["0 0 0", "1 0 0", "0 1 0", "0 0 1"], properties: "").write(to: mesh, atomically: true, encoding: .utf8)
        for _ in 0..<3 { #expect(try Run(["measure", mesh.path], environment: env).status == 0) }
        #expect(try String(contentsOf: head, encoding: .utf8).hasPrefix("3 "), "every append leaves the head in $TRINOCULAR_AUDIT_HEAD_FILE")
        let intact = try String(contentsOf: log, encoding: .utf8)

        // 3. "seq": 1e300 on the last line.
        var lines = intact.split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "\"seq\":3", with: "\"seq\":1e300")
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let verify = try Run(["audit", "verify", log.path], environment: env)
        #expect(verify.status == 1 && verify.stderr.contains("line 3"), "\(verify.status): \(verify.stderr)")
        Self.expectRefused(try Run(["audit", "head", log.path], environment: env), naming: log.path)
        Self.expectRefused(try Run(["measure", mesh.path], environment: env), naming: log.path)

        // 14. Without its final newline the log is intact, and the next entry starts a line.
        try String(intact.dropLast()).write(to: log, atomically: true, encoding: .utf8)
        let noNewline = try Run(["audit", "verify", log.path], environment: env)
        #expect(noNewline.status == 0 && noNewline.stdout.contains("no final newline"), "\(noNewline.stdout)\(noNewline.stderr)")
        #expect(try Run(["measure", mesh.path], environment: env).status == 0)
        let four = try Run(["audit", "verify"], environment: env)
        #expect(four.status == 0 && four.stdout.contains("intact, 4 entries") && four.stdout.contains("reaching the head kept in"),
                "\(four.stdout)\(four.stderr)")

        // Cutting the last entry passes the chain, but not the kept head; without one, verify says so.
        let four4 = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        try (four4.dropLast().joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let cut = try Run(["audit", "verify"], environment: env)
        #expect(cut.status == 1 && cut.stderr.contains("cut off"), "\(cut.stdout)\(cut.stderr)")
        let unkept = try Run(["audit", "verify", log.path], environment: ["TRINOCULAR_AUDIT_LOG": log.path])
        #expect(unkept.status == 0 && unkept.stdout.contains("cannot be detected"), "\(unkept.stdout)")
    }

    // 4 and 12: rig and capture files.
    @Test func hostileRigAndCaptureFilesAreRefused() throws {
        let dir = try TestPaths.temporaryFolder("hostile-capture")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("capture")
        #expect(try Run(["synth", "capture", "--out", capture.path, "--scale", "0.1", "--jpeg", "90"]).status == 0)
        // 4. Every camera at one pose.
        let rigURL = capture.appendingPathComponent("rig.json")
        var rig = try JSONSerialization.jsonObject(with: Data(contentsOf: rigURL)) as! [String: Any]
        var cameras = rig["cameras"] as! [[String: Any]]
        for i in cameras.indices.dropFirst() { cameras[i]["R"] = cameras[0]["R"]; cameras[i]["t"] = cameras[0]["t"] }
        rig["cameras"] = cameras
        let original = try Data(contentsOf: rigURL)
        try JSONSerialization.data(withJSONObject: rig).write(to: rigURL)
        Self.expectRefused(try Run(["info", capture.path]), naming: rigURL.path)
        let out = dir.appendingPathComponent("out")
        let r = try Run(["reconstruct", capture.path, "--out", out.path])
        Self.expectRefused(r, naming: rigURL.path)
        #expect(r.stderr.contains("baseline"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        try original.write(to: rigURL)

        // 12. A workingRange of millions of numbers: refused by size, with a short message.
        let manifest = capture.appendingPathComponent("capture.json")
        let numbers = Array(repeating: "1", count: 25_000_000).joined(separator: ",")
        try Data(("{\"format\": \"trinocular.capture/1\", \"workingRange\": [" + numbers + "]}").utf8).write(to: manifest)
        Self.expectRefused(try Run(["info", capture.path]), naming: manifest.path)
        // One under the size limit: refused naming how many numbers, not quoting them.
        let some = Array(repeating: "1.5", count: 200_000).joined(separator: ",")
        try Data(("{\"format\": \"trinocular.capture/1\", \"workingRange\": [" + some + "]}").utf8).write(to: manifest)
        let info = try Run(["info", capture.path])
        Self.expectRefused(info, naming: manifest.path)
        #expect(info.stderr.contains("200000 numbers"), "\(info.stderr)")
    }

    // 10, 13, 15: sealing.
    @Test func sealAndUnsealLeaveNothingBehind() throws {
        let dir = try TestPaths.temporaryFolder("hostile-seal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("case")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Big enough (240 MB, ~0.3 s to seal) to be interrupted midway; its bytes do not matter.
        try Data(count: 240 << 20).write(to: folder.appendingPathComponent("scan.bin"))
        try Data("hello".utf8).write(to: folder.appendingPathComponent("note.txt"))
        let key = dir.appendingPathComponent("key")
        try Data(repeating: 0x42, count: 32).write(to: key)

        // 15. --new-key or --out into a folder that does not exist: exit 2, nothing made.
        let nowhere = dir.appendingPathComponent("nowhere")
        Self.expectRefused(try Run(["seal", folder.path, "--out", dir.appendingPathComponent("a.tseal").path, "--new-key", nowhere.appendingPathComponent("k").path]),
                           naming: nowhere.path)
        let missingOut = try Run(["seal", folder.path, "--out", nowhere.appendingPathComponent("a.tseal").path, "--new-key", dir.appendingPathComponent("k2").path])
        Self.expectRefused(missingOut, naming: nowhere.path)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("k2").path), "a key to no archive is left")

        let archive = dir.appendingPathComponent("case.tseal")
        #expect(try Run(["seal", folder.path, "--out", archive.path, "--key-file", key.path]).status == 0)

        // 10. An altered header asking for scrypt's maximum is refused before any work.
        var bytes = [UInt8](try Data(contentsOf: archive))
        bytes[10] = 1; bytes[11] = 22; bytes[15] = 32; bytes[19] = 16
        let altered = dir.appendingPathComponent("altered.tseal")
        try Data(bytes[0..<4096]).write(to: altered)
        let started = Date()
        let refused = try Run(["unseal", altered.path, "--out", dir.appendingPathComponent("u0").path, "--passphrase-env", "PW"],
                              environment: ["PW": "a long enough passphrase"])
        Self.expectRefused(refused, naming: altered.path)
        #expect(refused.stderr.contains("scrypt") && Date().timeIntervalSince(started) < 2, "\(refused.stderr)")

        // 13. kill -9 during unseal: plaintext only under the destination's name, swept by the next unseal.
        let out = dir.appendingPathComponent("opened")
        try Self.killMidway(["unseal", archive.path, "--out", out.path, "--key-file", key.path], signal: SIGKILL) {
            (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.first.map { name in
                Self.size(of: out.appendingPathComponent(name)) > 1 << 20
            } ?? false
        }
        let beside = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(beside.isEmpty, "plaintext beside the destination: \(beside)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).allSatisfy { $0.hasPrefix(".unsealing.partial-") })
        let again = try Run(["unseal", archive.path, "--out", out.path, "--key-file", key.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["note.txt", "scan.bin"])

        // SIGINT and SIGTERM during unseal and seal: nothing at all is left.
        for (signal, name) in [(SIGINT, "int"), (SIGTERM, "term")] {
            let target = dir.appendingPathComponent("opened-\(name)")
            try Self.killMidway(["unseal", archive.path, "--out", target.path, "--key-file", key.path], signal: signal) {
                Self.size(of: target) > 1 << 20
            }
            #expect(!FileManager.default.fileExists(atPath: target.path), "SIGINT/SIGTERM left \(target.path)")
            let sealed = dir.appendingPathComponent("again-\(name).tseal")
            try Self.killMidway(["seal", folder.path, "--out", sealed.path, "--key-file", key.path], signal: signal) {
                (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".again-\(name).tseal.partial-") } ?? false
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("again-\(name)") }
            #expect(left.isEmpty, "seal interrupted left \(left)")
        }
        // kill -9 during seal: the partial archive is swept by the next seal of the same name.
        let sealed = dir.appendingPathComponent("killed.tseal")
        try Self.killMidway(["seal", folder.path, "--out", sealed.path, "--key-file", key.path], signal: SIGKILL) {
            (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".killed.tseal.partial-") } ?? false
        }
        #expect(try Run(["seal", folder.path, "--out", sealed.path, "--key-file", key.path]).status == 0)
        let partials = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".partial-") }
        #expect(partials.isEmpty, "\(partials)")
    }

    // 6, 7, 8: a study whose folders, file names and capture.json fields name the patient.
    @Test func deidentifiedStudyHoldsNoNameDateOrRecordNumber() throws {
        let dir = try TestPaths.temporaryFolder("hostile-deidentify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = dir.appendingPathComponent("Jane Doe study")
        let needles = ["Jane", "Doe", "MRN123456", "123456", "1961-04-02", "Springfield"]
        for (folder, png) in [("Jane_Doe_MRN123456", false), ("Doe 1961-04-02", true)] {
            let capture = study.appendingPathComponent(folder)
            var arguments = ["synth", "capture", "--out", capture.path, "--scale", "0.1"]
            if !png { arguments += ["--jpeg", "90"] }
            #expect(try Run(arguments).status == 0)
            for name in try FileManager.default.contentsOfDirectory(atPath: capture.path) where name.hasPrefix("cam") {
                try FileManager.default.moveItem(at: capture.appendingPathComponent(name), to: capture.appendingPathComponent("Jane_Doe_MRN123456_\(name)"))
            }
            try Data(#"{"format": "trinocular.capture/1", "subject": "Jane Doe", "session": "1961-04-02 Springfield", "region": "Jane Doe face", "view": "MRN123456", "consent": "publication", "Jane Doe": 1}"#.utf8)
                .write(to: capture.appendingPathComponent("capture.json"))
        }
        let log = dir.appendingPathComponent("audit.log")
        let out = dir.appendingPathComponent("clean"), map = dir.appendingPathComponent("keep/map.json")
        // Without pseudonyms --strict refuses each kind of name, writing nothing.
        let strict = try Run(["deidentify", study.path, "--out", out.path, "--strict"], environment: ["TRINOCULAR_AUDIT_LOG": log.path])
        #expect(strict.status == 2 && !FileManager.default.fileExists(atPath: out.path), "\(strict.stderr)")
        let run = try Run(["deidentify", study.path, "--out", out.path, "--pseudonyms", map.path, "--strict", "--purpose", "publication"],
                          environment: ["TRINOCULAR_AUDIT_LOG": log.path])
        #expect(run.status == 0, "\(run.stderr)")
        var files = 0
        let e = FileManager.default.enumerator(atPath: out.path)!
        while let path = e.nextObject() as? String {
            if e.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files += 1 }
            for needle in needles { #expect(!path.contains(needle), "\(needle) in the name \(path)") }
            guard let data = FileManager.default.contents(atPath: out.appendingPathComponent(path).path) else { continue }
            for needle in needles { #expect(data.range(of: Data(needle.utf8)) == nil, "\(needle) in \(path)") }
        }
        #expect(files == 11, "two folders of three images, a rig and a capture.json, and the report")
        // Images named after their cameras only (C0001 is "Doe 1961-04-02", first in sorted order).
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("C0001").path).sorted()
                == ["cam0.png", "cam1.png", "cam2.png", "capture.json", "rig.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("C0002").path).sorted()
                == ["cam0.jpg", "cam1.jpg", "cam2.jpg", "capture.json", "rig.json"])
        let manifest = try String(contentsOf: out.appendingPathComponent("C0001/capture.json"), encoding: .utf8)
        #expect(manifest.contains("\"V0001\"") && !manifest.contains("\"region\"") && !manifest.contains("\"view\""), "\(manifest)")
        // The audit log records hashes and pseudonyms, never the paths that carry the name.
        let audit = try String(contentsOf: log, encoding: .utf8)
        #expect(audit.contains("\"action\":\"deidentify\""))
        for needle in needles + [study.path, dir.path] { #expect(!audit.contains(needle), "\(needle) in the audit log") }
        // The map (kept apart, outside OUT) is what re-identifies: it holds them, by design.
        #expect(try String(contentsOf: map, encoding: .utf8).contains("1961-04-02 Springfield"))
    }

    /// Bytes of a file, or of every file under a folder.
    static func size(of url: URL) -> Int {
        guard let e = FileManager.default.enumerator(atPath: url.path) else {
            return ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0
        }
        var total = 0
        while let path = e.nextObject() as? String {
            total += ((try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(path).path))?[.size] as? Int) ?? 0
        }
        return total
    }

    /// Starts `trinocular arguments`, waits until `midway` holds (at most 30 s), sends
    /// `signal`, and waits for the process to end.
    static func killMidway(_ arguments: [String], signal: Int32, midway: () -> Bool) throws {
        let process = Process()
        process.executableURL = Run.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TRINOCULAR_AUDIT_LOG"] = Run.auditLog.path
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !midway() && process.isRunning && Date() < deadline { usleep(2000) }
        #expect(process.isRunning, "\(arguments[0]) ended before it could be interrupted")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal,
                "\(arguments[0]) ended with \(process.terminationStatus), not signal \(signal)")
    }
}
