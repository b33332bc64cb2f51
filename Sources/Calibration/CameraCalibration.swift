import Interchange
import Foundation
import Geometry
import LinearAlgebra

/// One camera's view of the board: detected inner corners in the board's object-point order.
public struct BoardView: Sendable {
    /// The view's name (the calibration image's file name without extension).
    public var name: String
    /// Pixel positions of the inner corners, one per `Checkerboard`-style object point.
    public var corners: [SIMD2<Double>]

    public init(name: String, corners: [SIMD2<Double>]) {
        self.name = name; self.corners = corners
    }
}

/// What single-camera calibration estimates and how.
public struct CameraCalibrationOptions: Sendable, Equatable {
    /// Keep k3 at zero (OpenCV's CALIB_FIX_K3); k3 is rarely determined by a few views.
    public var fixK3 = true
    public var maxIterations = 200
    public init() {}
}

/// A calibrated camera with its residuals and uncertainties.
public struct CameraCalibrationResult: Sendable {
    public var camera: PinholeCamera
    /// camFromBoard for every view, by view name.
    public var boardPoses: [String: RigidTransform]
    /// Root-mean-square reprojection error over all corners, px (OpenCV's definition:
    /// √(Σ‖e‖² / corners)).
    public var rms: Double
    /// RMS per view, px.
    public var viewRMS: [String: Double]
    /// Views whose residual marks them as outliers (`OutlierViews`), worst first.
    public var flaggedViews: [String] { OutlierViews.flag(viewRMS) }
    /// Standard deviations of fx, fy, cx, cy, k1, k2, p1, p2, k3 from the covariance at the
    /// optimum (0 for a fixed parameter).
    public var standardDeviations: [Double]
    public var iterations: Int
}

/// Outlier views by their residual: a view whose RMS reprojection error is over three
/// times the median view's (and over 0.1 px, below which no view is suspect) — a board
/// that moved during the shot, was bent, blurred or mis-detected. Flagged, not dropped:
/// the user decides whether to reshoot or remove it.
public enum OutlierViews {
    public static let ratio = 3.0
    public static let floorPx = 0.1

    /// The flagged views' names, worst first.
    public static func flag(_ viewRMS: [String: Double]) -> [String] {
        let values = viewRMS.values.sorted()
        guard values.count >= 3 else { return [] }
        let median = values[values.count / 2]
        let limit = max(ratio * median, floorPx)
        return viewRMS.filter { $0.value > limit }.sorted { $0.value > $1.value }.map(\.key)
    }
}

/// Errors of calibration: each says what to do.
public enum CalibrationError: TrinocularError, Equatable {
    case tooFewViews(camera: String, found: Int, needed: Int)
    case degenerate(String)

    /// Too few usable views is the folder's fault; a solver that cannot determine the camera
    /// from enough views is the work failing.
    public var fault: Fault {
        if case .tooFewViews = self { return .badInput }
        return .workFailed
    }

    public var description: String {
        switch self {
        case let .tooFewViews(camera, found, needed):
            return "camera \(camera): the board was found in \(found) view(s); calibration needs at least \(needed) — shoot more views with the board tilted differently"
        case let .degenerate(what):
            return "the views do not determine the camera (\(what)); tilt the board more between views"
        }
    }
}

/// Single-camera calibration: Zhang's closed form, then Levenberg–Marquardt on fx, fy, cx,
/// cy, k1, k2, p1, p2 (k3 optional) and every board pose, with the analytic Jacobians of
/// `PinholeCamera.projectionJacobian`. Minimal sample: 3 views of a planar board.
public enum CameraCalibrator {
    public static func calibrate(objectPoints: [SIMD3<Double>], views: [BoardView], imageWidth: Int, imageHeight: Int,
                                 cameraID: String = "camera", options: CameraCalibrationOptions = .init()) throws -> CameraCalibrationResult {
        guard views.count >= 3 else { throw CalibrationError.tooFewViews(camera: cameraID, found: views.count, needed: 3) }
        precondition(views.allSatisfy { $0.corners.count == objectPoints.count }, "one corner per object point")
        let plane = objectPoints.map { SIMD2($0.x, $0.y) }
        let homographies = views.compactMap { Homography(plane: plane, image: $0.corners) }
        guard homographies.count == views.count else { throw CalibrationError.degenerate("a view's corners are collinear") }
        guard let k0 = ZhangInitialization.intrinsics(from: homographies) else { throw CalibrationError.degenerate("no closed-form intrinsics") }
        var poses: [RigidTransform] = []
        for h in homographies {
            guard let pose = ZhangInitialization.pose(from: h, intrinsics: k0) else { throw CalibrationError.degenerate("no pose for a view") }
            poses.append(pose)
        }

        let intrinsicCount = options.fixK3 ? 8 : 9
        var start = [k0.fx, k0.fy, k0.cx, k0.cy, 0, 0, 0, 0] + (options.fixK3 ? [] : [0])
        for pose in poses {
            let r = pose.rotation.rodrigues
            start += [r.x, r.y, r.z, pose.translation.x, pose.translation.y, pose.translation.z]
        }
        let rows = 2 * objectPoints.count * views.count, columns = start.count

        func camera(_ p: [Double]) -> PinholeCamera {
            PinholeCamera(intrinsics: Intrinsics(fx: p[0], fy: p[1], cx: p[2], cy: p[3]),
                          distortion: Distortion(k1: p[4], k2: p[5], p1: p[6], p2: p[7], k3: options.fixK3 ? 0 : p[8]),
                          imageWidth: imageWidth, imageHeight: imageHeight)
        }
        let model: LevenbergMarquardt.Model = { p in
            let cam = camera(p)
            var normal = NormalEquations(parameterCount: columns, residualCapacity: rows)
            var entries = [(Int, SIMD2<Double>)](repeating: (0, .zero), count: intrinsicCount + 6)
            for (v, view) in views.enumerated() {
                let o = intrinsicCount + 6 * v
                let rvec = SIMD3(p[o], p[o + 1], p[o + 2]), tvec = SIMD3(p[o + 3], p[o + 4], p[o + 5])
                for (x, observed) in zip(objectPoints, view.corners) {
                    guard let d = cam.projectionJacobian(of: x, rvec: rvec, tvec: tvec) else {
                        throw CalibrationError.degenerate("a corner projects behind the camera")
                    }
                    for c in 0..<4 { entries[c] = (c, d.intrinsics[c]) }
                    for c in 0..<(intrinsicCount - 4) { entries[4 + c] = (4 + c, d.distortion[c]) }
                    for c in 0..<3 {
                        entries[intrinsicCount + c] = (o + c, d.rotation[c])
                        entries[intrinsicCount + 3 + c] = (o + 3 + c, d.translation[c])
                    }
                    entries.withUnsafeBufferPointer { normal.add(residual: d.pixel - observed, columns: $0) }
                }
            }
            return normal
        }
        var solver = LevenbergMarquardt()
        solver.maxIterations = options.maxIterations
        let result = try solver.minimize(start, model: model)
        let p = result.parameters
        var boardPoses: [String: RigidTransform] = [:], viewRMS: [String: Double] = [:]
        let perView = 2 * objectPoints.count
        for (v, view) in views.enumerated() {
            let o = intrinsicCount + 6 * v
            boardPoses[view.name] = RigidTransform(rodrigues: SIMD3(p[o], p[o + 1], p[o + 2]), translation: SIMD3(p[o + 3], p[o + 4], p[o + 5]))
            let e = result.residuals[(v * perView)..<((v + 1) * perView)].reduce(0) { $0 + $1 * $1 }
            viewRMS[view.name] = (e / Double(objectPoints.count)).squareRoot()
        }
        var sd = LevenbergMarquardt.standardDeviations(result).map { Array($0.prefix(intrinsicCount)) } ?? Array(repeating: .nan, count: intrinsicCount)
        if options.fixK3 { sd.append(0) }
        return CameraCalibrationResult(
            camera: camera(p), boardPoses: boardPoses,
            rms: (result.cost / Double(objectPoints.count * views.count)).squareRoot(),
            viewRMS: viewRMS, standardDeviations: sd, iterations: result.iterations)
    }
}
