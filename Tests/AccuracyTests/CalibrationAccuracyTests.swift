import Calibration
import Foundation
import Geometry
import LinearAlgebra
import Synthesis
import TestSupport
import Testing

let accuracyRun = ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil

/// Issue #4's synthetic acceptance: a 3-camera set rendered at full size (2448×2048) with
/// noise σ = 1.5, 20 shared views and 8 single-camera views per camera, detected and
/// calibrated as a user's photographs would be, against the true rig.
@Suite(.enabled(if: accuracyRun, "full-size accuracy runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct CalibrationAccuracyTests {
    @Test func fullSizeRigIsRecovered() throws {
        var spec = CalibrationSpec()
        spec.sharedViews = 20
        spec.cornerViewsPerCamera = 8
        spec.render.noiseSigma = 1.5
        spec.render.seed = 11
        let set = try CalibrationSet(spec)
        let board = BoardDefinition(innerColumns: 9, innerRows: 6, squareMm: 25)
        let detector = ChessboardDetector(innerColumns: 9, innerRows: 6)
        var observations: [CameraObservations] = []
        for camera in set.rig.rig.cameras {
            var views: [BoardView] = []
            for view in set.views where view.images[camera.id] != nil {
                guard case let .found(corners) = detector.detect(view.images[camera.id]!) else {
                    Issue.record("\(camera.id) view \(view.name): board not found"); continue
                }
                views.append(BoardView(name: view.name, corners: corners))
            }
            #expect(views.count == 28)
            observations.append(CameraObservations(id: camera.id, imageWidth: 2448, imageHeight: 2048, views: views))
        }
        let result = try RigCalibrator.calibrate(objectPoints: board.objectPoints, cameras: observations)
        let truth = set.rig.rig
        // The world frame (cam0's) is fixed by each rig's own cam0 estimate, so the two worlds
        // differ by a small rigid motion (cx trades against rotation). Align them on the
        // boards' corners (Kabsch: estimated world → true world), then compare projections.
        var estimated: [SIMD3<Double>] = [], actual: [SIMD3<Double>] = []
        for view in set.views {
            guard let pose = result.boardPoses[view.name] else { continue }
            for x in board.objectPoints { estimated.append(pose.apply(x)); actual.append(view.worldFromBoard.apply(x)) }
        }
        let ce = estimated.reduce(SIMD3<Double>.zero, +) / Double(estimated.count), ca = actual.reduce(SIMD3<Double>.zero, +) / Double(actual.count)
        var h = Matrix3x3.zero
        for (e, a) in zip(estimated, actual) { h = h + Matrix3x3.outer(a - ca, e - ce) }
        let align = try Rotation(nearestTo: h)  // trueFromEstimated rotation
        let trueFromEstimated = RigidTransform(rotation: align, translation: ca - align.apply(ce))
        let estimatedFromTrue = trueFromEstimated.inverse
        var report: [String] = ["world alignment \(align.angle * 180 / .pi)°, \(length(trueFromEstimated.translation)) mm"]
        for (t, e) in zip(truth.cameras, result.rig.cameras) {
            let kt = t.camera.intrinsics, ke = e.camera.intrinsics
            #expect(abs(ke.fx / kt.fx - 1) <= 1e-3 && abs(ke.fy / kt.fy - 1) <= 1e-3, "\(t.id) fx \(ke.fx) vs \(kt.fx)")
            #expect(abs(ke.cx - kt.cx) <= 1 && abs(ke.cy - kt.cy) <= 1, "\(t.id) cx \(ke.cx) vs \(kt.cx), cy \(ke.cy) vs \(kt.cy)")
            // Points 1 m in front of the camera, over the image: the true rig's projection
            // against the recovered rig's, inside the area the boards covered (the central
            // 60 % of the image) and anywhere.
            var inside = 0.0, anywhere = 0.0
            let worldFromCam = t.camFromWorld.inverse
            for gy in 0...20 {
                for gx in 0...20 {
                    let px = SIMD2(Double(gx) / 20 * 2447, Double(gy) / 20 * 2047)
                    guard let ray = t.camera.ray(throughPixel: px) else { continue }
                    let world = worldFromCam.apply(ray * (1000 / ray.z))
                    guard let a = t.camera.project(world, camFromWorld: t.camFromWorld),
                          let b = e.camera.project(estimatedFromTrue.apply(world), camFromWorld: e.camFromWorld) else { continue }
                    let d = ((a - b) * (a - b)).sum().squareRoot()
                    anywhere = max(anywhere, d)
                    if (0.2...0.8).contains(Double(gx) / 20), (0.2...0.8).contains(Double(gy) / 20) { inside = max(inside, d) }
                }
            }
            #expect(inside < 0.1, "\(t.id): \(inside) px inside")
            #expect(anywhere < 0.5, "\(t.id): \(anywhere) px anywhere")
            // The uncertainty the calibration reports means something: the truth lies
            // within 5 of its standard deviations.
            let sd = try #require(result.intrinsicDeviations[t.id])
            for (k, (e, a)) in [(ke.fx, kt.fx), (ke.fy, kt.fy), (ke.cx, kt.cx), (ke.cy, kt.cy)].enumerated() {
                #expect(sd[k] > 0 && abs(e - a) <= 5 * sd[k], "\(t.id) parameter \(k): off by \(e - a), σ \(sd[k])")
            }
            report.append("\(t.id) σ fx \(sd[0]) cx \(sd[2]) cy \(sd[3])")
            report.append("\(t.id) fx \(ke.fx - kt.fx) fy \(ke.fy - kt.fy) cx \(ke.cx - kt.cx) cy \(ke.cy - kt.cy) inside \(inside) anywhere \(anywhere)")
        }
        for id in ["cam1", "cam2"] {
            let bt = truth.baseline("cam0", id)!, be = result.rig.baseline("cam0", id)!
            #expect(abs(be / bt - 1) <= 1e-3, "baseline cam0–\(id) \(be) vs \(bt)")
            let dr = result.rig.relativePose(from: "cam0", to: id)!.rotation * truth.relativePose(from: "cam0", to: id)!.rotation.inverse
            #expect(dr.angle * 180 / .pi <= 0.02, "rotation cam0–\(id) off by \(dr.angle * 180 / .pi)°")
            report.append("baseline \(id) \(be - bt) mm (\(be / bt - 1)), rotation error \(dr.angle * 180 / .pi)°")
        }
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE full-size calibration: RMS \(result.rms) px; " + report.joined(separator: "; ")) }
    }
}
