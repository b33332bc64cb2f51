import Foundation
import Geometry
import LinearAlgebra

/// One camera's detected boards, by view name (same name = same instant across cameras).
public struct CameraObservations: Sendable {
    public var id: String
    public var imageWidth: Int
    public var imageHeight: Int
    public var views: [BoardView]

    public init(id: String, imageWidth: Int, imageHeight: Int, views: [BoardView]) {
        self.id = id; self.imageWidth = imageWidth; self.imageHeight = imageHeight; self.views = views
    }
}

/// A calibrated rig with what the calibration says about its own quality.
public struct RigCalibrationResult: Sendable {
    /// World = the first camera's frame (contract).
    public var rig: Rig
    /// RMS reprojection error over all corners of all cameras, px.
    public var rms: Double
    /// Per camera: RMS (px) and views used.
    public var cameraRMS: [String: Double]
    public var viewsUsed: [String: Int]
    /// Per camera and view: RMS (px).
    public var viewRMS: [String: [String: Double]]
    /// Per camera: outlier views by their residual (`OutlierViews`), worst first.
    public var flaggedViews: [String: [String]] { viewRMS.mapValues(OutlierViews.flag).filter { !$0.value.isEmpty } }
    /// Per camera: standard deviations of fx, fy, cx, cy, k1, k2, p1, p2, k3.
    public var intrinsicDeviations: [String: [Double]]
    /// worldFromBoard per view name.
    public var boardPoses: [String: RigidTransform]
    public var iterations: Int
    /// Covariance of the camera parameters (intrinsics, then poses of cameras 2…N), for
    /// propagating the calibration's uncertainty; order as `parameterLayout` says.
    var cameraCovariance: Matrix?
    var intrinsicCount: Int
}

/// Rig calibration: each camera alone (Zhang + LM), the relative poses from the views the
/// cameras share, then one joint Levenberg–Marquardt over every camera's intrinsics, every
/// camera's pose (the first camera fixed as the world) and one board pose per instant,
/// shared by all cameras that saw it.
public enum RigCalibrator {
    public static func calibrate(objectPoints: [SIMD3<Double>], cameras: [CameraObservations],
                                 options: CameraCalibrationOptions = .init(),
                                 progress: ((String) -> Void)? = nil) throws -> RigCalibrationResult {
        precondition(!cameras.isEmpty, "a rig needs a camera")
        // 1. Each camera alone.
        var singles: [CameraCalibrationResult] = []
        for c in cameras {
            let r = try CameraCalibrator.calibrate(objectPoints: objectPoints, views: c.views, imageWidth: c.imageWidth,
                                                   imageHeight: c.imageHeight, cameraID: c.id, options: options)
            progress?(String(format: "%@: %d views, RMS %.3f px (alone)", c.id, c.views.count, r.rms))
            singles.append(r)
        }
        // 2. camFromWorld by chaining shared views from the first camera (breadth first).
        var camFromWorld: [RigidTransform?] = Array(repeating: nil, count: cameras.count)
        camFromWorld[0] = .identity
        var frontier = [0]
        while let a = frontier.first {
            frontier.removeFirst()
            for b in cameras.indices where camFromWorld[b] == nil {
                let shared = Set(singles[a].boardPoses.keys).intersection(singles[b].boardPoses.keys).sorted()
                guard !shared.isEmpty else { continue }
                // camB·camA⁻¹ per shared view, averaged (rotation: nearest to the mean matrix).
                let estimates = shared.map { singles[b].boardPoses[$0]! * singles[a].boardPoses[$0]!.inverse }
                var sum = Matrix3x3.zero, t = SIMD3<Double>.zero
                for e in estimates { sum = sum + e.rotation.matrix; t += e.translation }
                let bFromA = RigidTransform(rotation: try Rotation(nearestTo: sum), translation: t / Double(estimates.count))
                camFromWorld[b] = bFromA * camFromWorld[a]!
                frontier.append(b)
            }
        }
        if let lonely = camFromWorld.firstIndex(where: { $0 == nil }) {
            throw CalibrationError.degenerate("camera \(cameras[lonely].id) shares no view with the others; shoot views that it and another camera see together")
        }
        // 3. One board pose per instant.
        var viewNames: [String] = []
        var worldFromBoard: [String: RigidTransform] = [:]
        for (c, single) in singles.enumerated() {
            for name in single.boardPoses.keys.sorted() where worldFromBoard[name] == nil {
                worldFromBoard[name] = camFromWorld[c]!.inverse * single.boardPoses[name]!
                viewNames.append(name)
            }
        }
        viewNames.sort()
        let viewIndex = Dictionary(uniqueKeysWithValues: viewNames.enumerated().map { ($1, $0) })

        // 4. Joint refinement. Layout: [intrinsics c0 | … | pose c1 | … | board v0 | …].
        let ni = options.fixK3 ? 8 : 9
        let nc = cameras.count
        let poseBase = ni * nc, boardBase = poseBase + 6 * (nc - 1)
        var start: [Double] = []
        for s in singles {
            let k = s.camera.intrinsics, d = s.camera.distortion
            start += [k.fx, k.fy, k.cx, k.cy, d.k1, d.k2, d.p1, d.p2] + (options.fixK3 ? [] : [d.k3])
        }
        for c in 1..<max(nc, 1) {
            let r = camFromWorld[c]!.rotation.rodrigues, t = camFromWorld[c]!.translation
            start += [r.x, r.y, r.z, t.x, t.y, t.z]
        }
        for name in viewNames {
            let r = worldFromBoard[name]!.rotation.rodrigues, t = worldFromBoard[name]!.translation
            start += [r.x, r.y, r.z, t.x, t.y, t.z]
        }
        let observations = cameras.enumerated().flatMap { c, cam in cam.views.map { (c, viewIndex[$0.name]!, $0) } }
        let rows = 2 * objectPoints.count * observations.count, columns = start.count

        func camera(_ p: [Double], _ c: Int) -> PinholeCamera {
            let o = ni * c
            return PinholeCamera(intrinsics: Intrinsics(fx: p[o], fy: p[o + 1], cx: p[o + 2], cy: p[o + 3]),
                                 distortion: Distortion(k1: p[o + 4], k2: p[o + 5], p1: p[o + 6], p2: p[o + 7], k3: options.fixK3 ? 0 : p[o + 8]),
                                 imageWidth: cameras[c].imageWidth, imageHeight: cameras[c].imageHeight)
        }
        func vec(_ p: [Double], _ o: Int) -> (SIMD3<Double>, SIMD3<Double>) { (SIMD3(p[o], p[o + 1], p[o + 2]), SIMD3(p[o + 3], p[o + 4], p[o + 5])) }

        let model: LevenbergMarquardt.Model = { p in
            var normal = NormalEquations(parameterCount: columns, residualCapacity: rows)
            let cams = (0..<nc).map { camera(p, $0) }
            var entries = [(Int, SIMD2<Double>)](repeating: (0, .zero), count: ni + 12)
            for (c, v, view) in observations {
                let (rc, tc) = c == 0 ? (SIMD3<Double>.zero, SIMD3<Double>.zero) : vec(p, poseBase + 6 * (c - 1))
                let (rv, tv) = vec(p, boardBase + 6 * v)
                let boardRotation = Rotation(rodrigues: rv).matrix
                let io = ni * c, po = poseBase + 6 * (c - 1), bo = boardBase + 6 * v
                for (x, observed) in zip(objectPoints, view.corners) {
                    let xw = boardRotation * x + tv
                    guard let d = cams[c].projectionJacobian(of: xw, rvec: rc, tvec: tc) else {
                        throw CalibrationError.degenerate("a corner projects behind camera \(cameras[c].id)")
                    }
                    var n = 0
                    for k in 0..<4 { entries[n] = (io + k, d.intrinsics[k]); n += 1 }
                    for k in 0..<(ni - 4) { entries[n] = (io + 4 + k, d.distortion[k]); n += 1 }
                    if c > 0 {
                        for k in 0..<3 { entries[n] = (po + k, d.rotation[k]); n += 1 }
                        for k in 0..<3 { entries[n] = (po + 3 + k, d.translation[k]); n += 1 }
                    }
                    // Board pose: ∂pixel/∂x_world · ∂x_world/∂(r_v, t_v).
                    let dr = rotatedVectorJacobian(rvec: rv, rotation: boardRotation, vector: x)
                    for k in 0..<3 {
                        entries[n] = (bo + k, d.point[0] * dr[k].x + d.point[1] * dr[k].y + d.point[2] * dr[k].z); n += 1
                    }
                    for k in 0..<3 { entries[n] = (bo + 3 + k, d.point[k]); n += 1 }
                    entries.withUnsafeBufferPointer { normal.add(residual: d.pixel - observed, columns: UnsafeBufferPointer(rebasing: $0[0..<n])) }
                }
            }
            return normal
        }
        var solver = LevenbergMarquardt()
        solver.maxIterations = options.maxIterations
        let result = try solver.minimize(start, model: model)
        let p = result.parameters
        progress?(String(format: "joint refinement: %d iterations, RMS %.3f px", result.iterations,
                         (result.cost / Double(objectPoints.count * observations.count)).squareRoot()))

        // 5. Results and uncertainty.
        var rigCameras: [RigCamera] = []
        for c in 0..<nc {
            let pose: RigidTransform
            if c == 0 { pose = .identity } else { let (r, t) = vec(p, poseBase + 6 * (c - 1)); pose = RigidTransform(rodrigues: r, translation: t) }
            rigCameras.append(RigCamera(id: cameras[c].id, camera: camera(p, c), camFromWorld: pose))
        }
        var cameraRMS: [String: Double] = [:], viewRMS: [String: [String: Double]] = [:], used: [String: Int] = [:]
        var sums = [Double](repeating: 0, count: nc), counts = [Int](repeating: 0, count: nc)
        let perView = 2 * objectPoints.count
        for (n, (c, _, view)) in observations.enumerated() {
            let e = result.residuals[(n * perView)..<((n + 1) * perView)].reduce(0) { $0 + $1 * $1 }
            sums[c] += e; counts[c] += 1
            viewRMS[cameras[c].id, default: [:]][view.name] = (e / Double(objectPoints.count)).squareRoot()
        }
        for c in 0..<nc {
            cameraRMS[cameras[c].id] = (sums[c] / Double(max(counts[c], 1) * objectPoints.count)).squareRoot()
            used[cameras[c].id] = counts[c]
        }
        var deviations: [String: [Double]] = [:]
        var covariance: Matrix?
        if let all = LevenbergMarquardt.covariance(result) {
            for c in 0..<nc {
                var sd = (0..<ni).map { max(all[ni * c + $0, ni * c + $0], 0).squareRoot() }
                if options.fixK3 { sd.append(0) }
                deviations[cameras[c].id] = sd
            }
            let k = boardBase
            var cov = Matrix(rows: k, columns: k)
            for a in 0..<k { for b in 0..<k { cov[a, b] = all[a, b] } }
            covariance = cov
        }
        var boards: [String: RigidTransform] = [:]
        for (name, v) in viewIndex { let (r, t) = vec(p, boardBase + 6 * v); boards[name] = RigidTransform(rodrigues: r, translation: t) }
        let rig = Rig(cameras: rigCameras)
        return RigCalibrationResult(rig: rig, rms: (result.cost / Double(objectPoints.count * observations.count)).squareRoot(),
                                    cameraRMS: cameraRMS, viewsUsed: used, viewRMS: viewRMS, intrinsicDeviations: deviations,
                                    boardPoses: boards, iterations: result.iterations, cameraCovariance: covariance, intrinsicCount: ni)
    }
}
