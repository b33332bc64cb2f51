import Foundation
import Geometry
import Imaging
import TestSupport
import Testing

/// `trinocular calibrate` as a user runs it: real photographs in, a contract rig file out;
/// bad folders → exit 2, a message naming the file, and no rig file.
@Suite struct CalibrateCLITests {
    @Test func calibratesOpenCVsStereoPhotographs() throws {
        let root = try TestPaths.temporaryFolder("cli-cal")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("rig.json")
        let run = try Run(["calibrate", TestPaths.shared("opencv-stereo-chessboard").path, "--out", out.path, "--k3"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("left/01.jpg: 54 corners"))  // progress per view
        #expect(run.stdout.contains("RMS") && run.stdout.contains("left→right: baseline"))
        let rig = try Rig(contentsOf: out)
        #expect(rig.cameras.map(\.id) == ["left", "right"])
        // Squares of 1 unit: OpenCV's stereoCalibrate gives a 3.328-square baseline.
        let baseline = try #require(rig.baseline("left", "right"))
        #expect(abs(baseline - 3.328) <= 0.01 * 3.328, "baseline \(baseline)")
        // The residuals and uncertainties travel with the rig.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let calibration = try #require(json["calibration"] as? [String: Any])
        let rms = try #require(calibration["rmsReprojectionPx"] as? Double)
        #expect(rms > 0.05 && rms < 0.3)
        #expect(calibration["views"] as? Int == 13)
        let cameras = try #require(calibration["cameras"] as? [String: Any])
        let left = try #require(cameras["left"] as? [String: Any])
        let sd = try #require(left["standardDeviations"] as? [String: Double])
        #expect(sd["fx"]! > 0 && sd["fx"]! < 5, "σ(fx) \(sd["fx"]!) px")
        #expect(calibration["triangulationErrorMm"] as? Double != nil)
        // Never overwrites without --force.
        let again = try Run(["calibrate", TestPaths.shared("opencv-stereo-chessboard").path, "--out", out.path])
        #expect(again.status == 2 && again.stderr.contains("already exists"))
    }

    @Test func jsonSummaryIsOneDocumentOnStdout() throws {
        let root = try TestPaths.temporaryFolder("cli-cal-json")
        defer { try? FileManager.default.removeItem(at: root) }
        let images = root.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        // One camera alone: intrinsics only.
        try FileManager.default.copyItem(at: TestPaths.shared("opencv-stereo-chessboard/left"), to: images.appendingPathComponent("left"))
        let out = root.appendingPathComponent("left.json")
        let run = try Run(["calibrate", images.path, "--out", out.path, "--board", "9x6", "--square", "30", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let calibration = try #require(json["calibration"] as? [String: Any])
        #expect((calibration["board"] as? String)?.contains("9x6") == true)
        #expect(try Rig(contentsOf: out).cameras.count == 1)
    }

    /// A calibration folder of `count` images per camera, each `size` (noise: no board).
    static func folder(_ root: URL, board: String? = #"{"type": "checkerboard", "innerCorners": [9, 6], "squareMm": 25.0}"#,
                       sizes: [(Int, Int)]) throws -> URL {
        let dir = root.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("cam0"), withIntermediateDirectories: true)
        if let board { try Data(board.utf8).write(to: dir.appendingPathComponent("board.json")) }
        for (k, size) in sizes.enumerated() {
            try ImageFile.write(CaptureFixture.image(width: size.0, height: size.1, seed: k),
                                to: dir.appendingPathComponent(String(format: "cam0/%03d.png", k + 1)))
        }
        return dir
    }

    @Test func noBoardInAnyViewExitsTwo() throws {
        let root = try TestPaths.temporaryFolder("cli-cal-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try Self.folder(root, sizes: [(64, 48), (64, 48), (64, 48)])
        let out = root.appendingPathComponent("rig.json")
        let run = try Run(["calibrate", dir.path, "--out", out.path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("cam0") && run.stderr.contains("found in none"))
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func boardFileThatDoesNotParseExitsTwo() throws {
        let root = try TestPaths.temporaryFolder("cli-cal-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try Self.folder(root, board: "{\"innerCorners\": [9, ", sizes: [(64, 48)])
        let out = root.appendingPathComponent("rig.json")
        let run = try Run(["calibrate", dir.path, "--out", out.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("board.json") && run.stderr.contains("not valid JSON"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // Nor is a board of 1 inner corner, or no board at all.
        try Data(#"{"type": "checkerboard", "innerCorners": [1, 6], "squareMm": 25}"#.utf8).write(to: dir.appendingPathComponent("board.json"))
        let tiny = try Run(["calibrate", dir.path, "--out", out.path])
        #expect(tiny.status == 2 && tiny.stderr.contains("inner corners"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("board.json"))
        let none = try Run(["calibrate", dir.path, "--out", out.path])
        #expect(none.status == 2 && none.stderr.contains("--board"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func imagesOfDifferentSizesForOneCameraExitTwo() throws {
        let root = try TestPaths.temporaryFolder("cli-cal-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try Self.folder(root, sizes: [(64, 48), (80, 60), (64, 48)])
        let out = root.appendingPathComponent("rig.json")
        let run = try Run(["calibrate", dir.path, "--out", out.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cam0/002.png") && run.stderr.contains("80×60"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func badUsageExitsTwo() throws {
        let root = try TestPaths.temporaryFolder("cli-cal-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("rig.json")
        for args in [["--board", "9x6"], ["--board", "nine", "--square", "25"], ["--board", "9x6", "--square", "-3"]] {
            let run = try Run(["calibrate", TestPaths.shared("opencv-stereo-chessboard").path, "--out", out.path] + args)
            #expect(run.status == 2, "\(args): \(run.stderr)")
        }
        let missing = try Run(["calibrate", "/nonexistent/calibration", "--out", out.path])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/calibration"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
