import Foundation
import Imaging
import Pipeline
import TestSupport
import Testing

/// Issue 18, first step: real rectified photographs (Middlebury 2006, half size) built into
/// two-camera capture folders on two rigs whose pixel footprints differ 10× (f = 1000 px,
/// baseline 100 mm or 1000 mm: the same disparities at ten times the distance). The point
/// filters work in pixels and disparities, so both rigs keep the same points; the points
/// agree with the ground truth. Coverage is still short of the issue's 80 % target on two of
/// the three pairs (see the floor below).
@Suite(.enabled(if: accuracyRun, "runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct MiddleburyCaptureTests {
    /// A capture folder of `scene`'s view1 (left) and view5 (right), identity rotations, the
    /// right camera `baseline` mm along x, working range for disparities 8…140 px.
    static func capture(_ scene: String, baseline: Double, in root: URL) throws -> URL {
        let source = TestPaths.shared("middlebury-2006-half/\(scene)")
        let folder = root.appendingPathComponent("\(scene)-\(Int(baseline))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("view1.png"), to: folder.appendingPathComponent("left.png"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("view5.png"), to: folder.appendingPathComponent("right.png"))
        let size = try ImageFile.info(of: folder.appendingPathComponent("left.png"))
        let f = 1000.0
        func camera(_ id: String, _ tx: Double) -> String {
            #"{"id": "\#(id)", "imageSize": [\#(size.width), \#(size.height)], "intrinsics": {"fx": \#(f), "fy": \#(f), "cx": \#(Double(size.width - 1) / 2), "cy": \#(Double(size.height - 1) / 2)}, "R": [1, 0, 0, 0, 1, 0, 0, 0, 1], "t": [\#(tx), 0, 0]}"#
        }
        try Data(#"{"format": "trinocular.rig/1", "units": "mm", "cameras": [\#(camera("left", 0)), \#(camera("right", -baseline))]}"#.utf8)
            .write(to: folder.appendingPathComponent("rig.json"))
        try Data(#"{"format": "trinocular.capture/1", "workingRange": [\#(f * baseline / 140), \#(f * baseline / 8)]}"#.utf8)
            .write(to: folder.appendingPathComponent("capture.json"))
        return folder
    }

    /// Share of the left image's pixels with known truth that got a point, and share of
    /// those points more than 2 px off in disparity (points projected into the left camera).
    static func score(_ scene: String, baseline: Double, root: URL) throws -> (coverage: Double, bad: Double) {
        let capture = try Capture(folder: try Self.capture(scene, baseline: baseline, in: root))
        var options = ReconstructionOptions()
        options.meshing = nil
        let result = try Reconstructor.run(capture, options: options)
        let truth = try ImageFile.read(TestPaths.shared("middlebury-2006-half/\(scene)/disp1.png")).eightBit.grayscale()
        let w = truth.width, h = truth.height, f = 1000.0
        var covered = [Bool](repeating: false, count: w * h), bad = [Bool](repeating: false, count: w * h)
        for p in result.cloud.positions {
            let x = Double(p.x), y = Double(p.y), z = Double(p.z)
            let u = Int((f * x / z + Double(w - 1) / 2).rounded()), v = Int((f * y / z + Double(h - 1) / 2).rounded())
            guard u >= 0, v >= 0, u < w, v < h, truth.pixels[v * w + u] > 0 else { continue }
            covered[v * w + u] = true
            if abs(f * baseline / z - Double(truth.pixels[v * w + u]) / 2) > 2 { bad[v * w + u] = true }
        }
        let known = truth.pixels.filter { $0 > 0 }.count
        let returned = covered.filter { $0 }.count
        return (Double(returned) / Double(known), Double(bad.filter { $0 }.count) / Double(max(returned, 1)))
    }

    @Test(arguments: ["Cloth3", "Reindeer", "Wood2"])
    func theSamePointsAtAnyScaleAndTheyAreRight(scene: String) throws {
        let root = try TestPaths.temporaryFolder("middlebury-\(scene)")
        defer { try? FileManager.default.removeItem(at: root) }
        let near = try Self.score(scene, baseline: 100, root: root), far = try Self.score(scene, baseline: 1000, root: root)
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print(String(format: "FIGURE middlebury %@: coverage %.1f %% / %.1f %% (rigs 10× apart), bad-2 %.2f %% / %.2f %% of returned points",
                         scene, 100 * near.coverage, 100 * far.coverage, 100 * near.bad, 100 * far.bad))
        }
        #expect(abs(near.coverage - far.coverage) <= 0.05, "coverage \(near.coverage) vs \(far.coverage)")
        #expect(near.bad <= 0.03 && far.bad <= 0.03, "\(near.bad), \(far.bad) of points off by more than 2 px")
        // Before the filters were scale-free: 14–25 % (issue 18); then 56–73 %; with the
        // matcher's borders kept and the view-angle limit replaced by the foreshortening one:
        // Cloth3 83.8, Reindeer 69.7, Wood2 76.5 %. A floor under what is reached, not yet
        // the issue's 80 % on every pair.
        #expect(near.coverage >= 0.65 && far.coverage >= 0.65, "coverage \(near.coverage), \(far.coverage)")
    }
}
