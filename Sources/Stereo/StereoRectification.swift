import Foundation
import Geometry
import LinearAlgebra

/// Rectification of a camera pair (Bouguet's method, as OpenCV's `stereoRectify` computes
/// it with `CALIB_ZERO_DISPARITY` and `alpha = −1`): rotations that turn both cameras to a
/// common orientation whose x axis (or y axis, for a vertical pair) runs along the baseline,
/// and one pinhole projection for both, so that a scene point lands on the same row of
/// both rectified images and its disparity gives its depth.
///
/// Conventions (docs/conventions.md): OpenCV's. `cam2FromCam1` maps camera 1's frame into
/// camera 2's (`x₂ = R·x₁ + T`, mm). `rectified1FromCam1` (OpenCV's R1) maps camera 1's
/// frame into rectified camera 1's; a rectified pixel is `P · (x, 1)` in that frame.
/// Rectified camera 1 sits where camera 1 is; rectified camera 2 is rectified camera 1
/// moved by the baseline along x (horizontal pair) or y (vertical pair).
public struct StereoRectification: Sendable, Equatable {
    /// OpenCV's R1 and R2: camera k's frame → rectified camera k's frame.
    public var rectified1FromCam1: Rotation
    public var rectified2FromCam2: Rotation
    /// Focal length of both rectified cameras, px (fx = fy).
    public var focal: Double
    /// Principal points of the rectified cameras, px (equal with zero disparity).
    public var principal1: SIMD2<Double>
    public var principal2: SIMD2<Double>
    /// The baseline in rectified camera 2's frame: (t, 0, 0) for a horizontal pair,
    /// (0, t, 0) for a vertical one; t < 0 when camera 2 is to the right (+x) of camera 1.
    public var baseline: SIMD3<Double>
    /// Whether the cameras sit side by side (rows are epipolar lines) rather than one
    /// above the other (columns are).
    public var isHorizontal: Bool
    /// The rectified images' size (the original images' size), px.
    public var imageWidth: Int
    public var imageHeight: Int

    /// OpenCV's 3×4 P1 and P2, row-major.
    public var projection1: [Double] {
        [focal, 0, principal1.x, 0, 0, focal, principal1.y, 0, 0, 0, 1, 0]
    }
    public var projection2: [Double] {
        var p = [focal, 0, principal2.x, 0, 0, focal, principal2.y, 0, 0, 0, 1, 0]
        p[isHorizontal ? 3 : 7] = focal * (isHorizontal ? baseline.x : baseline.y)
        return p
    }
    /// OpenCV's 4×4 Q, row-major: (u, v, d, 1) ↦ (X, Y, Z, W) in rectified camera 1's frame
    /// (mm, divide by W), d the disparity u₁ − u₂ (or v₁ − v₂ for a vertical pair).
    public var disparityToDepth: [Double] {
        let t = isHorizontal ? baseline.x : baseline.y
        let shift = isHorizontal ? principal1.x - principal2.x : principal1.y - principal2.y
        return [1, 0, 0, -principal1.x,
                0, 1, 0, -principal1.y,
                0, 0, 0, focal,
                0, 0, -1 / t, shift / t]
    }

    /// Rectifies cameras 1 and 2 (same image size). Follows OpenCV 4/5's `stereoRectify`
    /// (with `alpha = −1`) step for step, including its undistortion of the image corners by five fixed-point
    /// iterations (`undistortPoints`' default), and rounding those corners to 32-bit floats where
    /// OpenCV does, so that the principal points agree with OpenCV 5's to ~1e-12 px.
    ///
    /// - Parameter zeroDisparity: OpenCV's `CALIB_ZERO_DISPARITY` (its default): one
    ///   principal point for both cameras, so that points at infinity have disparity 0. Off,
    ///   each camera keeps its own principal point along the baseline (the other coordinate
    ///   is shared) and its view stays centred — what a convergent rig needs, whose cameras
    ///   turn by several degrees each and would otherwise push the subject out of the images.
    /// - Precondition: the cameras are distinct (a baseline longer than 0).
    public init(camera1: PinholeCamera, camera2: PinholeCamera, cam2FromCam1: RigidTransform, zeroDisparity: Bool = true) {
        precondition(length(cam2FromCam1.translation) > 0, "a stereo pair needs a baseline")
        // Half of the relative rotation to each camera: both then look the same way.
        let halfBack = Rotation(rodrigues: -0.5 * cam2FromCam1.rotation.rodrigues).matrix
        let t = halfBack * cam2FromCam1.translation
        let horizontal = abs(t.x) > abs(t.y)
        let c = horizontal ? t.x : t.y
        var axis = SIMD3<Double>.zero
        if horizontal { axis.x = c > 0 ? 1 : -1 } else { axis.y = c > 0 ? 1 : -1 }
        // Turn the baseline onto that axis.
        var w = cross(t, axis)
        let nw = length(w)
        if nw > 0 { w *= acos(min(abs(c) / length(t), 1)) / nw }
        let turn = Rotation(rodrigues: w).matrix
        let r1 = turn * halfBack.transposed, r2 = turn * halfBack
        rectified1FromCam1 = Rotation(unchecked: r1)
        rectified2FromCam2 = Rotation(unchecked: r2)
        baseline = r2 * cam2FromCam1.translation
        isHorizontal = horizontal
        imageWidth = camera1.imageWidth
        imageHeight = camera1.imageHeight
        // One focal length for both: the mean of the focal lengths across the baseline.
        focal = horizontal ? (camera1.intrinsics.fy + camera2.intrinsics.fy) / 2 : (camera1.intrinsics.fx + camera2.intrinsics.fx) / 2
        // Principal points: the centres of the corner pixels, undistorted and rotated,
        // centred on the image's centre ((w − 1)/2, (h − 1)/2: OpenCV 5's pixel-centre
        // convention, which is the contract's); then the mean of both cameras' (zero
        // disparity at infinity).
        let w0 = Double(imageWidth - 1), h0 = Double(imageHeight - 1)
        var centres: [SIMD2<Double>] = []
        for (camera, r) in [(camera1, r1), (camera2, r2)] {
            var sum = SIMD2<Double>.zero
            for corner in [SIMD2(0, 0), SIMD2(w0, 0), SIMD2(0, h0), SIMD2(w0, h0)] {
                // OpenCV keeps these corners as 32-bit floats; so do we, to agree with it.
                let n = SIMD2<Double>(SIMD2<Float>(StereoRectification.undistortLikeOpenCV(camera, pixel: corner)))
                let p = r * SIMD3(n.x, n.y, 1)
                sum += SIMD2<Double>(SIMD2<Float>(focal * SIMD2(p.x, p.y) / p.z))
            }
            centres.append(SIMD2(w0, h0) / 2 - sum / 4)
        }
        let mean = (centres[0] + centres[1]) / 2
        if zeroDisparity {
            principal1 = mean
            principal2 = mean
        } else if horizontal {
            principal1 = SIMD2(centres[0].x, mean.y)
            principal2 = SIMD2(centres[1].x, mean.y)
        } else {
            principal1 = SIMD2(mean.x, centres[0].y)
            principal2 = SIMD2(mean.x, centres[1].y)
        }
    }

    /// OpenCV's `undistortPoints` with its default criteria: five fixed-point iterations
    /// x ← (x₀ − Δ(x)) / radial(x), from the distorted normalized point (not converged for
    /// strong distortion at the image corners — which is what OpenCV then uses).
    static func undistortLikeOpenCV(_ camera: PinholeCamera, pixel: SIMD2<Double>) -> SIMD2<Double> {
        let d = camera.distortion
        let x0 = camera.intrinsics.normalized(fromPixel: pixel)
        var x = x0
        for _ in 0..<5 {
            let r2 = (x * x).sum()
            let radial = 1 + ((d.k3 * r2 + d.k2) * r2 + d.k1) * r2
            guard radial > 0 else { return x0 }
            let delta = SIMD2(2 * d.p1 * x.x * x.y + d.p2 * (r2 + 2 * x.x * x.x),
                              d.p1 * (r2 + 2 * x.y * x.y) + 2 * d.p2 * x.x * x.y)
            x = (x0 - delta) / radial
        }
        return x
    }

    /// The rectified camera k (1 or 2) as a distortion-free pinhole camera.
    public func rectifiedCamera(_ k: Int) -> PinholeCamera {
        let c = k == 1 ? principal1 : principal2
        return PinholeCamera(intrinsics: Intrinsics(fx: focal, fy: focal, cx: c.x, cy: c.y),
                             imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// A point (mm) in rectified camera 1's frame from a pixel of rectified image 1 and its
    /// disparity (px; u₁ − u₂, or v₁ − v₂ for a vertical pair). Nil for d = 0 (infinity).
    public func point(pixel: SIMD2<Double>, disparity: Double) -> SIMD3<Double>? {
        let q = disparityToDepth
        let v = SIMD4(pixel.x, pixel.y, disparity, 1)
        let x = (SIMD4(q[0], q[1], q[2], q[3]) * v).sum(), y = (SIMD4(q[4], q[5], q[6], q[7]) * v).sum()
        let z = (SIMD4(q[8], q[9], q[10], q[11]) * v).sum(), w = (SIMD4(q[12], q[13], q[14], q[15]) * v).sum()
        guard w != 0, w.isFinite else { return nil }
        return SIMD3(x, y, z) / w
    }
}
