import Foundation
import Imaging
import Surface
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Safekeeping as a user meets it: private files whatever the umask, de-identified copies,
/// sealed archives, the audit trail, refusals that name the file and write nothing. Runs the
/// release binary (reconstruct and scrypt are slow in a debug build).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil,
                             "runs the release binary: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct SafekeepingCLITests {
    static func mode(_ path: String) -> mode_t {
        var st = stat()
        lstat(path, &st)
        return st.st_mode & 0o777
    }

    /// "(peak memory N MB)" in a command's summary.
    static func peak(_ text: String) -> Int? {
        guard let r = text.range(of: "(peak memory ") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// Every file under `root` 0600 and every folder 0700; returns what was checked.
    static func expectPrivate(_ root: URL, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var checked = 0
        let e = FileManager.default.enumerator(atPath: root.path)!
        #expect(mode(root.path) == 0o700 || mode(root.path) == 0o600, "\(root.path)", sourceLocation: sourceLocation)
        while let path = e.nextObject() as? String {
            let url = root.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            let expected: mode_t = isDirectory.boolValue ? 0o700 : 0o600
            #expect(mode(url.path) == expected, "\(url.path) is \(String(mode(url.path), radix: 8))", sourceLocation: sourceLocation)
            checked += 1
        }
        return checked
    }

    static func capture(_ dir: URL, name: String, scale: String = "0.1", jpeg: Bool = true) throws -> URL {
        let folder = dir.appendingPathComponent(name)
        let run = try Run(["synth", "capture", "--scene", "mounds", "--out", folder.path, "--scale", scale] + (jpeg ? ["--jpeg", "90"] : []), umask: "000")
        #expect(run.status == 0, "\(run.stderr)")
        return folder
    }

    @Test func withUmaskZeroEveryPatientDataFileIs0600() throws {
        let dir = try TestPaths.temporaryFolder("umask")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("state/audit.log")
        let env = ["TRINOCULAR_AUDIT_LOG": log.path, "PW": "a long enough passphrase"]
        let capture = try Self.capture(dir, name: "S017", scale: "0.25")
        var checked = Self.expectPrivate(capture)
        let reconstruct = try Run(["reconstruct", capture.path, "--out", dir.appendingPathComponent("out").path, "--save-disparities"], environment: env, umask: "000")
        #expect(reconstruct.status == 0, "\(reconstruct.stderr)")
        checked += Self.expectPrivate(dir.appendingPathComponent("out"))
        // A cut through the mesh's middle, removing the upper half.
        let bounds = try #require(try PLYMesh.read(dir.appendingPathComponent("out/mesh.ply")).bounds)
        let middle = (bounds.min + bounds.max) / 2
        let outputs: [(String, [String])] = [
            ("cmp", ["compare", dir.appendingPathComponent("out/mesh.ply").path, dir.appendingPathComponent("out/mesh.ply").path, "--out", dir.appendingPathComponent("cmp").path]),
            ("clean", ["deidentify", capture.path, "--out", dir.appendingPathComponent("clean").path]),
            ("mesh-clean", ["deidentify", dir.appendingPathComponent("out/mesh.ply").path, "--out", dir.appendingPathComponent("mesh-clean").path,
                            "--cut-plane", "\(middle.x),\(middle.y),\(middle.z),0,-1,0"]),
            ("case.tseal", ["seal", dir.appendingPathComponent("out").path, "--out", dir.appendingPathComponent("case.tseal").path, "--passphrase-env", "PW"]),
            ("back", ["unseal", dir.appendingPathComponent("case.tseal").path, "--out", dir.appendingPathComponent("back").path, "--passphrase-env", "PW"]),
        ]
        for (name, arguments) in outputs {
            let run = try Run(arguments, environment: env, umask: "000")
            #expect(run.status == 0, "\(arguments[0]): \(run.stderr)")
            checked += Self.expectPrivate(dir.appendingPathComponent(name))
        }
        #expect(Self.mode(log.path) == 0o600 && Self.mode(log.deletingLastPathComponent().path) == 0o700)
        // The de-identified mesh: only the lower half, no colours.
        let original = try PLYMesh.read(dir.appendingPathComponent("out/mesh.ply"))
        let redacted = try PLYMesh.read(dir.appendingPathComponent("mesh-clean/mesh.ply"))
        #expect(redacted.colors == nil && original.colors != nil && redacted.vertices.allSatisfy { $0.y >= middle.y })
        #expect(redacted.faces.count > original.faces.count / 4 && redacted.faces.count < original.faces.count * 3 / 4)
        #expect(checked > 40)
        // No temporaries left anywhere.
        let leftovers = FileManager.default.enumerator(atPath: dir.path)!.compactMap { $0 as? String }.filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // Everything above is in the audit log, chained, with the subject's pseudonym.
        let verify = try Run(["audit", "verify", log.path])
        #expect(verify.status == 0 && verify.stdout.contains("intact, 6 entries"), "\(verify.stdout)\(verify.stderr)")
        let text = try String(contentsOf: log, encoding: .utf8)
        for action in ["reconstruct", "compare", "deidentify", "seal", "unseal"] { #expect(text.contains("\"action\":\"\(action)\"")) }
        #expect(text.contains("\"subject\":\"SYNTH\""))
    }

    @Test func deidentifyStripsAStudyAndKeepsThePseudonymsApart() throws {
        let dir = try TestPaths.temporaryFolder("deidentify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = dir.appendingPathComponent("study")
        let named = try Self.capture(study, name: "Jane_Doe_1961-04-02")
        let plain = try Self.capture(study, name: "S002", jpeg: false)
        try Data(#"{"format": "trinocular.capture/1", "subject": "Jane Doe", "region": "breast", "consent": "clinical", "patientName": "Jane Doe"}"#.utf8)
            .write(to: named.appendingPathComponent("capture.json"))
        if ExifTool.available {
            try ExifTool.run(["-GPSLatitude=51.5", "-GPSLatitudeRef=N", "-Artist=Dr Jane Smith", "-OwnerName=Jane Doe", "-SerialNumber=884213",
                              "-XMP-dc:Creator=Jane Doe", "-IPTC:By-line=Jane Doe", "-Comment=MRN 00412345", named.appendingPathComponent("cam0.jpg").path])
            try ExifTool.run(["-PNG:Author=Jane Doe", "-PNG:Comment=MRN 00412345", plain.appendingPathComponent("cam1.png").path])
        }
        // Without pseudonyms: warnings; with --strict: refused, nothing written.
        let strict = try Run(["deidentify", study.path, "--out", dir.appendingPathComponent("strict").path, "--strict"])
        #expect(strict.status == 2 && strict.stderr.contains("Jane_Doe_1961-04-02") && strict.stderr.contains("--strict"), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("strict").path))

        let out = dir.appendingPathComponent("clean")
        let map = dir.appendingPathComponent("keep/map.json")
        let run = try Run(["deidentify", study.path, "--out", out.path, "--pseudonyms", map.path, "--purpose", "publication", "--strict"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["C0001", "C0002", "deidentification.json"])
        let manifest = try String(contentsOf: out.appendingPathComponent("C0001/capture.json"), encoding: .utf8)
        #expect(manifest.contains("\"S0001\"") && !manifest.contains("Jane"))
        let mapping = try String(contentsOf: map, encoding: .utf8)
        #expect(mapping.contains("\"Jane Doe\": \"S0001\"") && mapping.contains("\"Jane_Doe_1961-04-02\": \"C0001\""))
        #expect(Self.mode(map.path) == 0o600)
        // Nothing identifying anywhere in the copy's bytes.
        let e = FileManager.default.enumerator(atPath: out.path)!
        while let path = e.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: out.appendingPathComponent(path).path) else { continue }
            for needle in ["Jane", "Smith", "00412345", "884213", "1961"] { #expect(data.range(of: Data(needle.utf8)) == nil, "\(needle) in \(path)") }
        }
        // Pixels unchanged; exiftool finds no tag beyond structure.
        for (source, copy) in [(named, "C0001"), (plain, "C0002")] {
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasPrefix("cam") {
                let a = try ImageFile.read(source.appendingPathComponent(name)).eightBit
                let b = try ImageFile.read(out.appendingPathComponent("\(copy)/\(name)")).eightBit
                #expect(a == b, "\(name)")
                if ExifTool.available {
                    let tags = try ExifTool.tags(out.appendingPathComponent("\(copy)/\(name)")).keys.filter {
                        !["ExifTool:ExifToolVersion"].contains($0) && !$0.hasPrefix("System:") && !$0.hasPrefix("File:") && !$0.hasPrefix("Composite:")
                            && !$0.hasPrefix("JFIF:") && !["PNG:ImageWidth", "PNG:ImageHeight", "PNG:BitDepth", "PNG:ColorType", "PNG:Compression", "PNG:Filter", "PNG:Interlace",
                                  "PNG:SRGBRendering", "PNG:Gamma"].contains($0)
                    }
                    #expect(tags.isEmpty, "\(copy)/\(name): \(tags.sorted())")
                }
            }
        }
        // A second run extends the same map: stable pseudonyms.
        let again = try Run(["deidentify", study.path, "--out", dir.appendingPathComponent("again").path, "--pseudonyms", map.path])
        let mappingAgain = try String(contentsOf: map, encoding: .utf8)
        #expect(again.status == 0 && mappingAgain == mapping)
    }

    /// A body scan cut through three landmarks (say, the suprasternal notch and both
    /// acromia), removing the side of a fourth (the nasion).
    @Test func aMeshIsCutThroughLandmarks() throws {
        let dir = try TestPaths.temporaryFolder("cut-landmarks")
        defer { try? FileManager.default.removeItem(at: dir) }
        var mesh = MeshFixtures.heightField(half: 100, step: 2) { x, y in 0.002 * (x * x + y * y) }
        mesh.colors = mesh.vertices.map { _ in SIMD3<UInt8>(180, 140, 120) }
        let ply = dir.appendingPathComponent("scan.ply")
        try Data(PLYMesh.encode(mesh)).write(to: ply)
        func z(_ x: Double, _ y: Double) -> Double { 0.002 * (x * x + y * y) }
        let landmarks = dir.appendingPathComponent("landmarks.json")
        try Data("""
            {"format": "trinocular.landmarks/1", "landmarks": [
              {"name": "notch", "point": [0, 40, \(z(0, 40))]}, {"name": "left", "point": [-60, 40, \(z(-60, 40))]},
              {"name": "right", "point": [60, 40, \(z(60, 40))]}, {"name": "nasion", "point": [0, 90, \(z(0, 90))]}]}
            """.utf8).write(to: landmarks)
        let out = dir.appendingPathComponent("out")
        let run = try Run(["deidentify", ply.path, "--out", out.path, "--landmarks", landmarks.path,
                           "--cut-through", "notch,left,right", "--remove-toward", "nasion", "--purpose", "publication"])
        #expect(run.status == 0, "\(run.stderr)")
        let kept = try PLYMesh.read(out.appendingPathComponent("mesh.ply"))
        // The plane through the three points is y = 40 (to within the landmarks' snapping onto
        // the faces): everything beyond goes; only the row on the plane itself is in doubt.
        #expect(kept.colors == nil && kept.vertices.allSatisfy { $0.y <= 40 + 1e-6 })
        #expect((101 * 70...101 * 71).contains(kept.vertices.count), "\(kept.vertices.count)")
        #expect(try String(contentsOf: out.appendingPathComponent("mesh.obj"), encoding: .utf8).contains("mtllib") == false)
        // Without a cut, publication is refused: the whole shape may show a face.
        let whole = try Run(["deidentify", ply.path, "--out", dir.appendingPathComponent("whole").path, "--purpose", "publication"])
        #expect(whole.status == 2 && whole.stderr.contains("scan.ply"), "\(whole.stderr)")
    }

    @Test func refusalsNameTheFileAndWriteNothing() throws {
        let dir = try TestPaths.temporaryFolder("refusals")
        defer { try? FileManager.default.removeItem(at: dir) }
        let face = try Self.capture(dir, name: "S005")
        try Data(#"{"subject": "S005", "region": "face", "consent": "clinical"}"#.utf8).write(to: face.appendingPathComponent("capture.json"))
        let out = dir.appendingPathComponent("out")
        // Consent: a face for publication, with clinical consent only.
        var run = try Run(["deidentify", face.path, "--out", out.path, "--purpose", "publication"])
        #expect(run.status == 2 && run.stderr.contains("capture.json") && run.stderr.contains("does not cover publication"), "\(run.stderr)")
        run = try Run(["reconstruct", face.path, "--out", out.path, "--purpose", "education"])
        #expect(run.status == 2 && run.stderr.contains("does not cover education"), "\(run.stderr)")
        // A truncated image.
        let bytes = try Data(contentsOf: face.appendingPathComponent("cam1.jpg"))
        try bytes.prefix(bytes.count / 2).write(to: face.appendingPathComponent("cam1.jpg"))
        run = try Run(["deidentify", face.path, "--out", out.path])
        #expect(run.status == 2 && run.stderr.contains("cam1.jpg") && run.stderr.contains("truncated"), "\(run.stderr)")
        // A wrong passphrase, a damaged archive.
        let good = try Self.capture(dir, name: "S006")
        let archive = dir.appendingPathComponent("s6.tseal")
        run = try Run(["seal", good.path, "--out", archive.path, "--passphrase-env", "PW"], environment: ["PW": "the right passphrase"])
        #expect(run.status == 0, "\(run.stderr)")
        run = try Run(["unseal", archive.path, "--out", out.path, "--passphrase-env", "PW"], environment: ["PW": "the wrong passphrase"])
        #expect(run.status == 2 && run.stderr.contains("s6.tseal") && run.stderr.contains("wrong"), "\(run.stderr)")
        var damaged = [UInt8](try Data(contentsOf: archive))
        damaged[damaged.count / 2] ^= 0x20
        try Data(damaged).write(to: archive)
        run = try Run(["unseal", archive.path, "--out", out.path, "--passphrase-env", "PW"], environment: ["PW": "the right passphrase"])
        #expect(run.status == 2 && run.stderr.contains("fails authentication"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("partial") }.isEmpty)
    }

    @Test func auditVerifyLocatesATamperedEntryAndACutTail() throws {
        let dir = try TestPaths.temporaryFolder("audit-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("audit.log")
        let capture = try Self.capture(dir, name: "S007")
        for _ in 0..<5 { #expect(try Run(["info", capture.path], environment: ["TRINOCULAR_AUDIT_LOG": log.path]).status == 0) }
        let head = try Run(["audit", "head", log.path])
        #expect(head.status == 0 && head.stdout.hasPrefix("5 "))
        var lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "\"info\"", with: "\"seal\"")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: log)
        var run = try Run(["audit", "verify", log.path])
        #expect(run.status == 1 && run.stderr.contains("entry 3 (line 3) was altered"), "\(run.stderr)")
        lines.removeLast(2)
        lines[2] = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)[2].replacingOccurrences(of: "\"seal\"", with: "\"info\"")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: log)
        run = try Run(["audit", "verify", log.path])
        #expect(run.status == 0, "\(run.stderr)")
        run = try Run(["audit", "verify", log.path, "--head", head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(run.status == 1 && run.stderr.contains("entries 4…5 were cut off"), "\(run.stderr)")
    }

    /// Sealing a 2 GB folder stays under 200 MB of memory (passphrase: scrypt's 128 MiB
    /// included), and unsealing gives the same bytes back.
    @Test func sealingTwoGigabytesStaysUnder200MB() throws {
        let dir = try TestPaths.temporaryFolder("seal-2gb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("case")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let block = (0..<(1 << 17)).map { _ -> UInt64 in state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for i in 0..<8 {   // 8 × 256 MiB
            let url = folder.appendingPathComponent("part\(i).bin")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            var chunk = block
            for j in 0..<256 { chunk[0] = UInt64(i << 8 | j); try handle.write(contentsOf: chunk.withUnsafeBytes { Data($0) }) }
            try handle.close()
        }
        let archive = dir.appendingPathComponent("case.tseal")
        let env = ["PW": "a long enough passphrase", "TRINOCULAR_AUDIT_LOG": dir.appendingPathComponent("audit.log").path]
        // The command reports its own peak (VmHWM): a child's rusage would include the test
        // process's memory, which it shares until exec.
        let seal = try Run(["seal", folder.path, "--out", archive.path, "--passphrase-env", "PW"], environment: env)
        #expect(seal.status == 0, "\(seal.stderr)")
        let sealMB = try #require(Self.peak(seal.stdout))
        #expect(sealMB > 100 && sealMB < 200, "seal peaked at \(sealMB) MB")   // > 100: scrypt's 128 MiB is counted
        let back = dir.appendingPathComponent("back")
        let unseal = try Run(["unseal", archive.path, "--out", back.path, "--passphrase-env", "PW"], environment: env)
        #expect(unseal.status == 0, "\(unseal.stderr)")
        let unsealMB = try #require(Self.peak(unseal.stdout))
        #expect(unsealMB > 100 && unsealMB < 200, "unseal peaked at \(unsealMB) MB")
        for i in [0, 7] {
            let a = try FileHandle(forReadingFrom: folder.appendingPathComponent("part\(i).bin")), b = try FileHandle(forReadingFrom: back.appendingPathComponent("part\(i).bin"))
            while let x = try a.read(upToCount: 1 << 24), !x.isEmpty { #expect(try b.read(upToCount: x.count) == x) }
        }
        print("2 GiB: \(seal.stdout)\(unseal.stdout)")
    }
}
