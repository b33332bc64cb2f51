import Foundation
import LinearAlgebra

// Conventions (docs/conventions.md): pixel (0,0) is the centre of the top-left pixel,
// x right, y down; the camera looks down +Z; lengths in mm; OpenCV's distortion model.

/// Pinhole intrinsics in pixels: focal lengths `fx`, `fy` and principal point `cx`, `cy`
/// (skew 0). See docs/conventions.md.
public struct Intrinsics: Sendable, Equatable, Hashable, Codable {
    public var fx: Double
    public var fy: Double
    public var cx: Double
    public var cy: Double

    public init(fx: Double, fy: Double, cx: Double, cy: Double) {
        self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy
    }

    /// The calibration matrix K = [fx 0 cx; 0 fy cy; 0 0 1].
    public var matrix: Matrix3x3 {
        Matrix3x3(rows: SIMD3(fx, 0, cx), SIMD3(0, fy, cy), SIMD3(0, 0, 1))
    }

    /// Normalized coordinates → pixel, with no distortion.
    @inlinable
    public func pixel(fromNormalized p: SIMD2<Double>) -> SIMD2<Double> {
        SIMD2(fx * p.x + cx, fy * p.y + cy)
    }

    /// Pixel → normalized coordinates, with no distortion.
    @inlinable
    public func normalized(fromPixel p: SIMD2<Double>) -> SIMD2<Double> {
        SIMD2((p.x - cx) / fx, (p.y - cy) / fy)
    }
}

/// OpenCV's five Brown–Conrady coefficients `[k1, k2, p1, p2, k3]`, applied to normalized
/// coordinates exactly as `cv::projectPoints` applies them:
///
///     r² = x² + y²,  radial = 1 + k1 r² + k2 r⁴ + k3 r⁶
///     x_d = x · radial + 2 p1 x y + p2 (r² + 2x²)
///     y_d = y · radial + p1 (r² + 2y²) + 2 p2 x y
public struct Distortion: Sendable, Equatable, Hashable {
    public var k1: Double, k2: Double, p1: Double, p2: Double, k3: Double

    public init(k1: Double = 0, k2: Double = 0, p1: Double = 0, p2: Double = 0, k3: Double = 0) {
        self.k1 = k1; self.k2 = k2; self.p1 = p1; self.p2 = p2; self.k3 = k3
    }

    /// From OpenCV's order `[k1, k2, p1, p2, k3]`; fewer numbers leave the rest 0.
    /// - Precondition: at most 5 coefficients.
    public init(_ c: [Double]) {
        precondition(c.count <= 5, "OpenCV's model has 5 distortion coefficients, got \(c.count)")
        let v = c + Array(repeating: 0, count: 5 - c.count)
        self.init(k1: v[0], k2: v[1], p1: v[2], p2: v[3], k3: v[4])
    }

    public static let none = Distortion()

    /// `[k1, k2, p1, p2, k3]`.
    public var coefficients: [Double] { [k1, k2, p1, p2, k3] }

    public var isZero: Bool { k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0 && k3 == 0 }

    /// Distorts undistorted normalized coordinates.
    @inlinable
    public func distort(_ p: SIMD2<Double>) -> SIMD2<Double> {
        let x = p.x, y = p.y
        let r2 = x * x + y * y
        let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
        let xy = x * y
        return SIMD2(x * radial + 2 * p1 * xy + p2 * (r2 + 2 * x * x),
                     y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * xy)
    }

    /// The 2×2 Jacobian of `distort` at p, as columns (∂/∂x, ∂/∂y).
    @inlinable
    public func distortJacobian(_ p: SIMD2<Double>) -> (dx: SIMD2<Double>, dy: SIMD2<Double>) {
        let x = p.x, y = p.y
        let r2 = x * x + y * y
        let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
        let dRadial = k1 + r2 * (2 * k2 + 3 * k3 * r2)  // ∂radial/∂r²
        let dxx = radial + 2 * x * x * dRadial + 2 * p1 * y + 6 * p2 * x
        let dxy = 2 * x * y * dRadial + 2 * p1 * x + 2 * p2 * y
        let dyx = 2 * x * y * dRadial + 2 * p1 * x + 2 * p2 * y
        let dyy = radial + 2 * y * y * dRadial + 6 * p1 * y + 2 * p2 * x
        return (SIMD2(dxx, dyx), SIMD2(dxy, dyy))
    }

    /// Inverts `distort` by damped Newton iteration: the undistorted normalized point whose
    /// distortion is `d`, to ~1e-14 wherever the model is invertible (inside the image of a
    /// sensibly calibrated camera). Returns nil where the iteration does not converge
    /// (far outside the image, where the polynomial folds back).
    public func undistort(_ d: SIMD2<Double>) -> SIMD2<Double>? {
        if isZero { return d }
        var p = d
        var residual = distort(p) - d
        var norm2 = (residual * residual).sum()
        for _ in 0..<100 {
            if norm2 < 1e-30 { break }
            let (jx, jy) = distortJacobian(p)
            let det = jx.x * jy.y - jy.x * jx.y
            guard abs(det) > 1e-12 else { return nil }
            // Solve J · step = residual.
            let step = SIMD2((jy.y * residual.x - jy.x * residual.y) / det,
                             (-jx.y * residual.x + jx.x * residual.y) / det)
            var scale = 1.0
            var accepted = false
            while scale > 1e-6 {
                let candidate = p - scale * step
                let r = distort(candidate) - d
                let n2 = (r * r).sum()
                if n2 < norm2 || n2 < 1e-30 {
                    p = candidate; residual = r; norm2 = n2; accepted = true
                    break
                }
                scale *= 0.5
            }
            if !accepted { break }
        }
        return norm2 < 1e-20 ? p : nil
    }
}

/// A camera as OpenCV models it: pinhole intrinsics, five distortion coefficients and the
/// size of its images in pixels. Pose is kept separately (`RigidTransform`, camFromWorld).
/// See docs/conventions.md.
public struct PinholeCamera: Sendable, Equatable, Hashable {
    public var intrinsics: Intrinsics
    public var distortion: Distortion
    /// Image width and height in pixels.
    public var imageWidth: Int
    public var imageHeight: Int

    public init(intrinsics: Intrinsics, distortion: Distortion = .none, imageWidth: Int, imageHeight: Int) {
        self.intrinsics = intrinsics; self.distortion = distortion
        self.imageWidth = imageWidth; self.imageHeight = imageHeight
    }

    /// Projects a point in the camera frame (mm) to a pixel, as `cv::projectPoints`.
    /// Returns nil for points at or behind the camera plane (z ≤ 0).
    @inlinable
    public func project(cameraPoint p: SIMD3<Double>) -> SIMD2<Double>? {
        guard p.z > 0 else { return nil }
        return intrinsics.pixel(fromNormalized: distortion.distort(SIMD2(p.x / p.z, p.y / p.z)))
    }

    /// Projects a world point seen from `camFromWorld` (x_cam = R · x_world + t).
    @inlinable
    public func project(_ worldPoint: SIMD3<Double>, camFromWorld: RigidTransform) -> SIMD2<Double>? {
        project(cameraPoint: camFromWorld.apply(worldPoint))
    }

    /// The undistorted normalized coordinates (x/z, y/z) of the ray through a pixel;
    /// nil where the distortion model cannot be inverted.
    public func unproject(pixel: SIMD2<Double>) -> SIMD2<Double>? {
        distortion.undistort(intrinsics.normalized(fromPixel: pixel))
    }

    /// The unit ray direction in the camera frame through a pixel.
    public func ray(throughPixel pixel: SIMD2<Double>) -> SIMD3<Double>? {
        guard let n = unproject(pixel: pixel) else { return nil }
        return normalize(SIMD3(n.x, n.y, 1))
    }

    /// The camera of the image reduced by `factor` in each direction (each output pixel the
    /// mean of a factor × factor block, the last partial row and column dropped): focal
    /// lengths divided by the factor, the principal point moved with the pixel centres
    /// ((c + ½) / factor − ½); distortion acts on normalized coordinates and stays.
    public func reduced(by factor: Int) -> PinholeCamera {
        precondition(factor >= 1, "a reduction factor is at least 1")
        let f = Double(factor), k = intrinsics
        return PinholeCamera(intrinsics: Intrinsics(fx: k.fx / f, fy: k.fy / f, cx: (k.cx + 0.5) / f - 0.5, cy: (k.cy + 0.5) / f - 0.5),
                             distortion: distortion, imageWidth: imageWidth / factor, imageHeight: imageHeight / factor)
    }

    /// Whether a pixel lies in the image, pixel centres from 0 to size − 1 (with a margin
    /// of half a pixel: the image covers [−0.5, size − 0.5]).
    @inlinable
    public func contains(pixel p: SIMD2<Double>) -> Bool {
        p.x >= -0.5 && p.y >= -0.5 && p.x <= Double(imageWidth) - 0.5 && p.y <= Double(imageHeight) - 0.5
    }
}
