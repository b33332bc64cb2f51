import Foundation
import TestSupport
import Geometry
import Testing

/// Runs the built `trinocular` binary as a user would.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String

    static let binary: URL = {
        if let env = ProcessInfo.processInfo.environment["TRINOCULAR_BIN"] { return URL(fileURLWithPath: env) }
        // The test bundle sits beside the products it was built with.
        let beside = Bundle.main.bundleURL.appendingPathComponent("trinocular")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return TestPaths.packageRoot.appendingPathComponent(".build/debug/trinocular")
    }()

    /// The audit log of every test run (not the user's ~/.local/state one).
    static let auditLog = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-tests-\(getpid())/audit.log")

    /// Runs `trinocular arguments`, with `environment` added to the test's, and with
    /// `umask` (through /bin/sh) when given.
    init(_ arguments: [String], environment: [String: String] = [:], umask: String? = nil) throws {
        let process = Process()
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", Run.binary.path] + arguments
        } else {
            process.executableURL = Run.binary
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["TRINOCULAR_AUDIT_LOG"] = Run.auditLog.path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: o, as: UTF8.self)
        stderr = String(decoding: e, as: UTF8.self)
    }
}

@Suite struct CLITests {
    @Test func helpTeachesAndVersionPrints() throws {
        let help = try Run(["--help"])
        #expect(help.status == 0)
        for verb in ["info", "calibrate", "reconstruct", "measure", "render", "view", "report", "check", "compare", "batch", "synth", "deidentify", "seal", "unseal", "audit"] {
            #expect(help.stdout.contains(verb))
        }
        #expect(help.stdout.contains("millimetres"))
        let version = try Run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let infoHelp = try Run(["info", "--help"])
        #expect(infoHelp.status == 0 && infoHelp.stdout.contains("--rig") && infoHelp.stdout.contains("--json"))
    }

    @Test func infoOnAGoodFolder() throws {
        let dir = try CaptureFixture.make(in: TestPaths.temporaryFolder("cli"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Run(["info", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        for id in CaptureFixture.cameraIDs { #expect(run.stdout.contains(id)) }
        #expect(run.stdout.contains("cam1.jpg") && run.stdout.contains("JPEG 64×48"))
        #expect(run.stdout.contains("Baselines"))
        #expect(run.stderr.isEmpty)
    }

    @Test func infoJSONIsOneDocumentOnStdout() throws {
        let run = try Run(["info", TestPaths.shared("middlebury-dino").path, "--json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let cameras = try #require(json["cameras"] as? [[String: Any]])
        #expect(cameras.map { $0["id"] as? String } == ["view05", "view06", "view07"])
        let image = try #require(cameras[0]["image"] as? [String: Any])
        #expect(image["width"] as? Int == 640 && image["format"] as? String == "PNG")
        let baselines = try #require(json["baselines"] as? [[String: Any]])
        #expect(baselines.count == 3)
    }

    @Test func infoWithAMissingCameraImageExitsTwoNamingIt() throws {
        let dir = try CaptureFixture.make(in: TestPaths.temporaryFolder("cli"))
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("cam2.png"))
        let run = try Run(["info", dir.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cam2"))
        #expect(run.stderr.contains("missing image"))
        #expect(run.stdout.isEmpty)
        let json = try Run(["info", dir.path, "--json"])
        #expect(json.status == 2 && json.stdout.isEmpty)
    }

    @Test func badInputAndBadUsageExitTwo() throws {
        let noFolder = try Run(["info", "/nonexistent/capture"])
        #expect(noFolder.status == 2 && noFolder.stderr.contains("/nonexistent/capture"))
        let dir = try CaptureFixture.make(in: TestPaths.temporaryFolder("cli"))
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"format\": \"trinocular.rig/1\", \"cameras\": 3}".utf8).write(to: dir.appendingPathComponent("rig.json"))
        let badRig = try Run(["info", dir.path])
        #expect(badRig.status == 2 && badRig.stderr.contains("rig.json") && badRig.stderr.contains("cameras"))
        let noArgument = try Run(["info"])
        #expect(noArgument.status == 2 && noArgument.stderr.contains("CAPTURE"))
        let unknown = try Run(["frobnicate"])
        #expect(unknown.status == 2)
    }

    @Test func batchNamesAMissingStudyAndWritesNothing() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("batch-never-written-\(getpid())")
        let run = try Run(["batch", "/no/such/study", "--out", out.path])
        #expect(run.status == 2 && run.stderr.contains("/no/such/study"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let export = try Run(["study", "export", out.path, "--csv"])
        #expect(export.status == 2 && export.stderr.contains("results.sqlite"), "\(export.stderr)")
        // A file, an empty folder: named, with what batch takes (not another verb's words).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("batch-a-file-\(getpid()).txt")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let onFile = try Run(["batch", file.path, "--out", out.path])
        #expect(onFile.status == 2 && onFile.stderr.contains(file.path) && onFile.stderr.contains("is not a folder; batch takes a study folder")
                && !onFile.stderr.contains("deidentify"), "\(onFile.stderr)")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("batch-empty-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let onEmpty = try Run(["batch", empty.path, "--out", out.path])
        #expect(onEmpty.status == 2 && onEmpty.stderr.contains("holds no images and no capture folders"), "\(onEmpty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func compareNamesAMissingMeshAndWritesNothing() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("compare-never-written-\(getpid())")
        let run = try Run(["compare", "pre.ply", "post.ply", "--out", out.path])
        #expect(run.status == 2 && run.stderr.contains("pre.ply"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

@Suite struct SynthCLITests {
    @Test func synthCaptureWritesAFolderThatInfoAccepts() throws {
        let root = try TestPaths.temporaryFolder("cli-synth")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("sphere")
        let run = try Run(["synth", "capture", "--scene", "sphere", "--out", dir.path, "--scale", "0.06", "--depth"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("rendering cam0"))  // progress on stderr
        #expect(run.stdout.isEmpty)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("sphere.truth.json").path))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("sphere.depth/cam2.png").path))
        #expect(try Run(["info", dir.path]).status == 0)
        // Never overwrites: exit 2, and the first result stays as it was.
        let again = try Run(["synth", "capture", "--scene", "sphere", "--out", dir.path, "--scale", "0.06"])
        #expect(again.status == 2 && again.stderr.contains("already exists"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["sphere", "sphere.depth", "sphere.truth.json"])
    }

    @Test func synthRefusesBadOptions() throws {
        let root = try TestPaths.temporaryFolder("cli-synth-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        for args in [["--scene", "teapot"], ["--scale", "0"], ["--noise", "-1"], ["--layout", "ring"], ["--jpeg", "101"]] {
            let run = try Run(["synth", "capture", "--out", root.appendingPathComponent("x").path] + args)
            #expect(run.status == 2, "\(args): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("x").path))
        }
        let scenes = try Run(["synth", "scenes"])
        #expect(scenes.status == 0 && scenes.stdout.split(separator: "\n").count == 5)
    }

    @Test func synthCalibrationWritesTheContractLayout() throws {
        let root = try TestPaths.temporaryFolder("cli-synth-cal")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("cal")
        let run = try Run(["synth", "calibration", "--out", dir.path, "--scale", "0.06", "--views", "2", "--corner-views", "1", "--supersampling", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let truth = try Rig(contentsOf: root.appendingPathComponent("cal.truth-rig.json"))
        #expect(truth.cameras.count == 3)
        for id in ["cam0", "cam1", "cam2"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(id).path).count == 3)
        }
    }
}
