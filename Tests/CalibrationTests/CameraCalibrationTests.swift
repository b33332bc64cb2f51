import Calibration
import Foundation
import Geometry
import LinearAlgebra
import TestSupport
import Testing

/// From the same corners as `cv2.calibrateCamera` (shared/data/opencv-vectors/
/// calibrate_camera.json, CALIB_FIX_K3): intrinsics and distortion within 1e-4 relative,
/// RMS within 1e-4 px.
@Suite struct OpenCVCalibrationTests {
    @Test func matchesOpenCVFromTheSameCorners() throws {
        let json = try loadJSON(TestPaths.shared("opencv-vectors/calibrate_camera.json")) as! [String: Any]
        let objectPoints = json.doubleRows("objectPoints").map { SIMD3($0[0], $0[1], $0[2]) }
        let imagePoints = (json["imagePoints"] as! [[[NSNumber]]]).map { $0.map { SIMD2($0[0].doubleValue, $0[1].doubleValue) } }
        let size = json.doubles("imageSize")
        let views = imagePoints.enumerated().map { BoardView(name: String(format: "%02d", $0.offset), corners: $0.element) }
        let result = try CameraCalibrator.calibrate(objectPoints: objectPoints, views: views,
                                                    imageWidth: Int(size[0]), imageHeight: Int(size[1]))
        let cv = json.object("opencvResult")
        let k = result.camera.intrinsics
        for (ours, theirs) in [(k.fx, cv.double("fx")), (k.fy, cv.double("fy")), (k.cx, cv.double("cx")), (k.cy, cv.double("cy"))] {
            #expect(isApproximatelyEqual(ours, theirs, relative: 1e-4), "\(ours) vs \(theirs)")
        }
        let d = result.camera.distortion.coefficients, cvd = cv.doubles("distortion")
        for i in 0..<4 {
            #expect(isApproximatelyEqual(d[i], cvd[i], relative: 1e-4), "distortion[\(i)]: \(d[i]) vs \(cvd[i])")
        }
        #expect(d[4] == 0)
        #expect(abs(result.rms - cv.double("rms")) <= 1e-4, "RMS \(result.rms) vs \(cv.double("rms"))")
        // The truth lies within a few standard deviations of the estimate.
        let truth = json.object("trueCamera")
        #expect(abs(k.fx - truth.double("fx")) <= 5 * result.standardDeviations[0])
        #expect(abs(k.cx - truth.double("cx")) <= 5 * result.standardDeviations[2])
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE opencv calibrate: fx \(k.fx) (cv \(cv.double("fx"))) fy \(k.fy) cx \(k.cx) cy \(k.cy) d \(d) rms \(result.rms) (cv \(cv.double("rms"))) sd \(result.standardDeviations) iterations \(result.iterations)")
        }
    }

    @Test func tooFewViewsSaySo() {
        #expect(throws: CalibrationError.tooFewViews(camera: "cam0", found: 2, needed: 3)) {
            try CameraCalibrator.calibrate(objectPoints: [], views: [BoardView(name: "a", corners: []), BoardView(name: "b", corners: [])],
                                           imageWidth: 10, imageHeight: 10, cameraID: "cam0")
        }
    }
}
