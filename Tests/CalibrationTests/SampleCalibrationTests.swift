import Calibration
import Foundation
import Geometry
import TestSupport
import Testing

/// The bundled calibration set (samples/calibration-arc3, half size, JPEG q95) calibrated
/// as `trinocular calibrate` does it, against its true rig and the rig kept in calibration/.
@Suite struct SampleCalibrationTests {
    @Test func bundledSetGivesItsTrueRig() throws {
        let run = try CalibrationRun(folder: TestPaths.samples.appendingPathComponent("calibration-arc3"))
        let truth = try Rig(contentsOf: TestPaths.samples.appendingPathComponent("calibration-arc3.truth-rig.json"))
        let rig = run.rig
        #expect(run.skipped.isEmpty)
        #expect(run.result.rms < 0.05, "RMS \(run.result.rms) px")
        for (e, t) in zip(rig.cameras, truth.cameras) {
            #expect(e.id == t.id)
            let ke = e.camera.intrinsics, kt = t.camera.intrinsics
            #expect(abs(ke.fx / kt.fx - 1) < 1e-3 && abs(ke.fy / kt.fy - 1) < 1e-3, "\(e.id): fx \(ke.fx) vs \(kt.fx)")
            #expect(abs(ke.cx - kt.cx) < 1 && abs(ke.cy - kt.cy) < 1, "\(e.id): cx \(ke.cx) vs \(kt.cx), cy \(ke.cy) vs \(kt.cy)")
            #expect(abs(e.camera.distortion.k1 - t.camera.distortion.k1) < 0.005, "\(e.id): k1")
        }
        for id in ["cam1", "cam2"] {
            let be = try #require(rig.baseline("cam0", id)), bt = try #require(truth.baseline("cam0", id))
            #expect(abs(be / bt - 1) < 1e-3, "baseline cam0–\(id): \(be) vs \(bt) mm")
        }
        // The uncertainty report: σ of fx small but not zero; the distance error tiny.
        let sd = try #require(run.result.intrinsicDeviations["cam0"])
        #expect(sd[0] > 0.01 && sd[0] < 1, "σ(fx) \(sd[0]) px")
        let estimate = try #require(run.triangulationError)
        #expect(estimate.distance > 0 && estimate.distance < 0.1, "distance error \(estimate.distance) mm")
        #expect(run.workingDistance > 700 && run.workingDistance < 1300)
        // The rig kept in calibration/ is this one (remade by the command in its README).
        let kept = try Rig(contentsOf: TestPaths.packageRoot.appendingPathComponent("calibration/calibration-arc3.rig.json"))
        for (a, b) in zip(kept.cameras, rig.cameras) {
            #expect(abs(a.camera.intrinsics.fx - b.camera.intrinsics.fx) < 1e-6, "calibration/calibration-arc3.rig.json is stale; remake it")
        }
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE bundled calibration: RMS \(run.result.rms) px, baselines \(rig.baseline("cam0", "cam1")!) \(rig.baseline("cam0", "cam2")!) vs \(truth.baseline("cam0", "cam1")!) \(truth.baseline("cam0", "cam2")!), error estimate \(estimate)")
        }
    }
}
