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

/// Outlier views are flagged by their residual, not silently averaged in.
@Suite struct OutlierViewTests {
    @Test func aDisturbedViewIsFlaggedAndOnlyIt() throws {
        let json = try loadJSON(TestPaths.shared("opencv-vectors/calibrate_camera.json")) as! [String: Any]
        let objectPoints = json.doubleRows("objectPoints").map { SIMD3($0[0], $0[1], $0[2]) }
        var imagePoints = (json["imagePoints"] as! [[[NSNumber]]]).map { $0.map { SIMD2($0[0].doubleValue, $0[1].doubleValue) } }
        // View 07's board bent or moved during the shot: its corners off by up to ±2 px.
        var state: UInt64 = 7
        imagePoints[7] = imagePoints[7].map { p in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(state >> 11) * 0x1p-53, v = Double((state << 20) >> 11) * 0x1p-53
            return p + SIMD2(4 * u - 2, 4 * v - 2)
        }
        let size = json.doubles("imageSize")
        let views = imagePoints.enumerated().map { BoardView(name: String(format: "%02d", $0.offset), corners: $0.element) }
        let result = try CameraCalibrator.calibrate(objectPoints: objectPoints, views: views, imageWidth: Int(size[0]), imageHeight: Int(size[1]))
        #expect(result.flaggedViews == ["07"], "flagged \(result.flaggedViews); view RMS \(result.viewRMS.sorted { $0.key < $1.key })")
    }

    @Test func thresholdFollowsTheMedianAboveAFloor() {
        let calm = Dictionary(uniqueKeysWithValues: (0..<10).map { (String($0), 0.02 + 0.001 * Double($0)) })
        #expect(OutlierViews.flag(calm).isEmpty)
        var one = calm
        one["9"] = 0.09  // 4× the median but under 0.1 px: no view is suspect there
        #expect(OutlierViews.flag(one).isEmpty)
        one["9"] = 0.3
        one["8"] = 0.5
        #expect(OutlierViews.flag(one) == ["8", "9"])
        #expect(OutlierViews.flag(["a": 0.1, "b": 9]).isEmpty)  // too few views to judge
    }
}
