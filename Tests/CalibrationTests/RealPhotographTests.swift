import Calibration
import Foundation
import Geometry
import Imaging
import LinearAlgebra
import TestSupport
import Testing

/// OpenCV's stereo photographs (shared/data/opencv-stereo-chessboard, 9×6, squares of 1 unit):
/// against the reference numbers in shared/data/README.md.
@Suite struct RealPhotographTests {
    static func observations(_ side: String) throws -> CameraObservations {
        let folder = TestPaths.shared("opencv-stereo-chessboard/\(side)")
        let detector = ChessboardDetector(innerColumns: 9, innerRows: 6)
        var views: [BoardView] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let image = try ImageFile.read(folder.appendingPathComponent(name)).eightBit
            if case let .found(corners) = detector.detect(image) {
                views.append(BoardView(name: String(name.dropLast(4)), corners: corners))
            }
        }
        return CameraObservations(id: side, imageWidth: 640, imageHeight: 480, views: views)
    }

    static let board = (0..<6).flatMap { j in (0..<9).map { i in SIMD3(Double(i), Double(j), 0) } }

    /// OpenCV 5.0, calibrateCamera with default flags (k1 k2 p1 p2 k3).
    static let reference: [String: (rms: Double, fx: Double, fy: Double, cx: Double, cy: Double)] = [
        "left": (0.196, 532.79, 532.91, 342.48, 233.91),
        "right": (0.208, 537.43, 536.95, 327.61, 248.89),
    ]

    @Test(arguments: ["left", "right"])
    func eachCameraMatchesOpenCV(side: String) throws {
        let obs = try Self.observations(side)
        #expect(obs.views.count == 13)
        var options = CameraCalibrationOptions()
        options.fixK3 = false
        let result = try CameraCalibrator.calibrate(objectPoints: Self.board, views: obs.views, imageWidth: 640, imageHeight: 480,
                                                    cameraID: side, options: options)
        let ref = Self.reference[side]!
        let k = result.camera.intrinsics
        #expect(result.rms <= 1.1 * ref.rms, "RMS \(result.rms) vs OpenCV's \(ref.rms)")
        for (ours, theirs) in [(k.fx, ref.fx), (k.fy, ref.fy), (k.cx, ref.cx), (k.cy, ref.cy)] {
            #expect(abs(ours - theirs) <= 0.01 * theirs, "\(side): \(ours) vs \(theirs)")
        }
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE real \(side): rms \(result.rms) fx \(k.fx) fy \(k.fy) cx \(k.cx) cy \(k.cy) d \(result.camera.distortion.coefficients)")
        }
    }

    @Test func stereoBaselineMatchesOpenCV() throws {
        var options = CameraCalibrationOptions()
        options.fixK3 = false
        let result = try RigCalibrator.calibrate(objectPoints: Self.board, cameras: [try Self.observations("left"), try Self.observations("right")], options: options)
        let baseline = try #require(result.rig.baseline("left", "right"))
        #expect(abs(baseline - 3.328) <= 0.01 * 3.328, "baseline \(baseline) squares vs OpenCV's 3.328")
        let angle = result.rig.relativePose(from: "left", to: "right")!.rotation.angle * 180 / .pi
        #expect(abs(angle - 0.495) < 0.25, "relative rotation \(angle)°")
        #expect(result.rms < 0.3)
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE real stereo: baseline \(baseline) rotation \(angle)° rms \(result.rms) per camera \(result.cameraRMS) iterations \(result.iterations)")
        }
    }
}
