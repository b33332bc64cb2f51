import LinearAlgebra

extension PinholeCamera {
    /// Projects many world points through one pose into `pixels` (same count), the hot
    /// loop of reprojection checks and calibration residuals. Points at or behind the
    /// camera plane get (NaN, NaN). Unsafe buffers and SIMD arithmetic; measured by the
    /// "Projection 3×N" benchmark.
    /// - Precondition: `pixels.count == worldPoints.count`.
    @inlinable
    public func project(_ worldPoints: UnsafeBufferPointer<SIMD3<Double>>, camFromWorld: RigidTransform,
                        into pixels: UnsafeMutableBufferPointer<SIMD2<Double>>) {
        precondition(pixels.count == worldPoints.count, "one pixel per point")
        let r = camFromWorld.rotation.matrix, t = camFromWorld.translation
        let c0 = r.column0, c1 = r.column1, c2 = r.column2
        let f = SIMD2(intrinsics.fx, intrinsics.fy), c = SIMD2(intrinsics.cx, intrinsics.cy)
        let d = distortion
        let nan = SIMD2<Double>(.nan, .nan)
        for i in 0..<worldPoints.count {
            let p = worldPoints[i]
            let q = c0 * p.x + c1 * p.y + c2 * p.z + t
            guard q.z > 0 else { pixels[i] = nan; continue }
            let n = SIMD2(q.x, q.y) / q.z
            let r2 = (n * n).sum()
            let radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3))
            let xy2 = 2 * n.x * n.y
            let tangential = SIMD2(d.p1 * xy2 + d.p2 * (r2 + 2 * n.x * n.x),
                                   d.p1 * (r2 + 2 * n.y * n.y) + d.p2 * xy2)
            pixels[i] = f * (n * radial + tangential) + c
        }
    }

    /// Projects an array of world points; see the buffer version.
    public func project(_ worldPoints: [SIMD3<Double>], camFromWorld: RigidTransform) -> [SIMD2<Double>] {
        [SIMD2<Double>](unsafeUninitializedCapacity: worldPoints.count) { out, count in
            worldPoints.withUnsafeBufferPointer { project($0, camFromWorld: camFromWorld, into: out) }
            count = worldPoints.count
        }
    }
}
