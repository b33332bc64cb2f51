import LinearAlgebra

/// A projected pixel with the partial derivatives of its (u, v) coordinates.
///
/// Each array holds columns ∂(u, v)/∂parameter, in the order the property names:
/// intrinsics (fx, fy, cx, cy), distortion (k1, k2, p1, p2, k3), rotation (the three
/// components of the Rodrigues vector), translation (tx, ty, tz) and the world point (X, Y, Z).
/// Units: pixels per unit of each parameter (per mm, per radian).
public struct ProjectionJacobian: Sendable {
    public var pixel: SIMD2<Double>
    public var intrinsics: [SIMD2<Double>]
    public var distortion: [SIMD2<Double>]
    public var rotation: [SIMD2<Double>]
    public var translation: [SIMD2<Double>]
    public var point: [SIMD2<Double>]

    /// All columns as one 2×18 matrix, in the order above.
    public var matrix: Matrix {
        let columns = intrinsics + distortion + rotation + translation + point
        var m = Matrix(rows: 2, columns: columns.count)
        for (j, c) in columns.enumerated() { m[0, j] = c.x; m[1, j] = c.y }
        return m
    }
}

extension PinholeCamera {
    /// Projects `worldPoint` through the pose (Rodrigues vector `rvec` in radians, `tvec` in
    /// mm; x_cam = R(rvec) · x + tvec) and returns the pixel with its analytic Jacobians —
    /// what a calibration or bundle-adjustment solver needs. Matches central finite
    /// differences to ~1e-8 relative. Returns nil for points with z ≤ 0 in the camera.
    public func projectionJacobian(of worldPoint: SIMD3<Double>, rvec: SIMD3<Double>,
                                   tvec: SIMD3<Double>) -> ProjectionJacobian? {
        let r = Rotation(rodrigues: rvec).matrix
        let pc = r * worldPoint + tvec
        guard pc.z > 0 else { return nil }
        let iz = 1 / pc.z
        let n = SIMD2(pc.x * iz, pc.y * iz)
        let d = distortion.distort(n)
        let k = intrinsics
        let pixel = k.pixel(fromNormalized: d)

        // ∂pixel/∂intrinsics
        let dIntrinsics = [SIMD2(d.x, 0), SIMD2(0, d.y), SIMD2(1, 0), SIMD2(0, 1)]

        // ∂pixel/∂distortion
        let x = n.x, y = n.y, r2 = x * x + y * y, xy = x * y
        let f = SIMD2(k.fx, k.fy)
        let dDistortion = [f * SIMD2(x * r2, y * r2), f * SIMD2(x * r2 * r2, y * r2 * r2),
                           f * SIMD2(2 * xy, r2 + 2 * y * y), f * SIMD2(r2 + 2 * x * x, 2 * xy),
                           f * SIMD2(x * r2 * r2 * r2, y * r2 * r2 * r2)]

        // ∂pixel/∂x_cam = diag(f) · ∂distort/∂n · ∂n/∂x_cam
        let (jx, jy) = distortion.distortJacobian(n)
        let dn0 = SIMD3(iz, 0, -x * iz), dn1 = SIMD3(0, iz, -y * iz)  // rows of ∂n/∂x_cam
        let rowU = f.x * (jx.x * dn0 + jy.x * dn1)
        let rowV = f.y * (jx.y * dn0 + jy.y * dn1)
        func through(_ v: SIMD3<Double>) -> SIMD2<Double> { SIMD2(dot(rowU, v), dot(rowV, v)) }

        let dTranslation = [through(SIMD3(1, 0, 0)), through(SIMD3(0, 1, 0)), through(SIMD3(0, 0, 1))]
        let dPoint = [through(r.column0), through(r.column1), through(r.column2)]
        let dRotVec = rotatedVectorJacobian(rvec: rvec, rotation: r, vector: worldPoint)
        let dRotation = dRotVec.map(through)
        return ProjectionJacobian(pixel: pixel, intrinsics: dIntrinsics, distortion: dDistortion,
                                  rotation: dRotation, translation: dTranslation, point: dPoint)
    }
}

/// The columns ∂(R(r) v)/∂r_i of a rotated vector with respect to the Rodrigues vector r.
///
/// Gallego & Yezzi, "A compact formula for the derivative of a 3-D rotation in exponential
/// coordinates", JMIV 2015: ∂R/∂r_i = (r_i [r]× + [r × (I − R) e_i]×) R / |r|².
/// Near r = 0 a second-order expansion is used (error O(|r|²) < 1e-10).
public func rotatedVectorJacobian(rvec r: SIMD3<Double>, rotation: Matrix3x3,
                                  vector v: SIMD3<Double>) -> [SIMD3<Double>] {
    let theta2 = dot(r, r)
    let e = [SIMD3<Double>(1, 0, 0), SIMD3<Double>(0, 1, 0), SIMD3<Double>(0, 0, 1)]
    if theta2 < 1e-10 {
        // R v ≈ v + r × v + ½ r × (r × v)
        let rxv = cross(r, v)
        return e.map { ei in cross(ei, v) + 0.5 * (cross(ei, rxv) + cross(r, cross(ei, v))) }
    }
    let w = rotation * v
    let rxw = cross(r, w)
    let iMinusR = Matrix3x3.identity - rotation
    return (0..<3).map { i in
        let a = cross(r, iMinusR * e[i])
        return (r[i] * rxw + cross(a, w)) / theta2
    }
}
