import Calibration
import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Synthesis
import TestSupport
import Testing

/// Board detection on OpenCV's real photographs and on renders with known corners.
@Suite struct DetectionTests {
    static let detector = ChessboardDetector(innerColumns: 9, innerRows: 6)

    @Test(arguments: ["left", "right"])
    func findsEveryCornerInOpenCVsStereoPhotographs(side: String) throws {
        let folder = TestPaths.shared("opencv-stereo-chessboard/\(side)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(names.count == 13)
        var found = 0
        defer { #expect(found == 13) }
        for name in names {
            let image = try ImageFile.read(folder.appendingPathComponent(name)).eightBit
            guard case let .found(corners) = Self.detector.detect(image) else {
                Issue.record("\(side)/\(name): board not found"); continue
            }
            #expect(corners.count == 54)
            // In board order: one homography maps the board's grid onto them (these lenses'
            // k1 ≈ −0.28 leaves up to ~8 px; a swapped or folded corner is a square, ≥ 20 px, off).
            let plane = (0..<6).flatMap { j in (0..<9).map { i in SIMD2(Double(i), Double(j)) } }
            let h = try #require(Homography(plane: plane, image: corners))
            let worst = zip(plane, corners).map { p, c in let q = h.apply(p)!; return length(SIMD3(q.x - c.x, q.y - c.y, 0)) }.max()!
            #expect(worst < 12, "\(side)/\(name): \(worst) px off a homography")
            found += 1
        }
    }

    @Test func subPixelAccuracyOnRenders() throws {
        var spec = CalibrationSpec()
        spec.rig.scale = 0.35
        spec.sharedViews = 3
        spec.cornerViewsPerCamera = 1
        spec.render.noiseSigma = 1.5
        let set = try CalibrationSet(spec)
        var errors: [Double] = []
        for view in set.views {
            for id in view.cameraIDs {
                let cam = set.rig.rig.camera(id: id)!
                guard case let .found(corners) = Self.detector.detect(view.images[id]!) else {
                    Issue.record("view \(view.name) \(id): not found"); continue
                }
                let camFromBoard = cam.camFromWorld * view.worldFromBoard
                for (p, c) in zip(spec.board.objectPoints, corners) {
                    let truth = cam.camera.project(cameraPoint: camFromBoard.apply(p))!
                    errors.append(length(SIMD3(truth.x - c.x, truth.y - c.y, 0)))
                }
            }
        }
        let rms = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE detection on renders: \(errors.count) corners, RMS \(rms) px, max \(errors.max()!) px") }
        #expect(errors.count == (3 * 3 + 3) * 54)
        #expect(rms < 0.1, "RMS corner error \(rms) px")
        #expect(errors.max()! < 0.4)
    }
}
