import Foundation
import LinearAlgebra

/// A plane-to-image homography: pixel ~ H · (X, Y, 1) for points (X, Y) on the plane (mm).
public struct Homography: Sendable {
    public var matrix: Matrix3x3

    /// Maps a plane point to a pixel (nil at infinity).
    public func apply(_ p: SIMD2<Double>) -> SIMD2<Double>? {
        let q = matrix * SIMD3(p.x, p.y, 1)
        guard abs(q.z) > 1e-300 else { return nil }
        return SIMD2(q.x / q.z, q.y / q.z)
    }

    /// The normalized DLT (Hartley & Zisserman, Multiple View Geometry, alg. 4.2): both point
    /// sets are translated to their centroid and scaled to mean distance √2, H is the null
    /// vector of the 2N×9 system (SVD), then denormalized. Minimal sample: 4 points in
    /// general position. Returns nil for degenerate input (fewer than 4 points, collinear).
    public init?(plane: [SIMD2<Double>], image: [SIMD2<Double>]) {
        guard plane.count == image.count, plane.count >= 4 else { return nil }
        func normalizer(_ pts: [SIMD2<Double>]) -> Matrix3x3? {
            let c = pts.reduce(SIMD2<Double>.zero, +) / Double(pts.count)
            let meanDistance = pts.map { length(SIMD3($0.x - c.x, $0.y - c.y, 0)) }.reduce(0, +) / Double(pts.count)
            guard meanDistance > 1e-12 else { return nil }
            let s = 2.0.squareRoot() / meanDistance
            return Matrix3x3(rows: SIMD3(s, 0, -s * c.x), SIMD3(0, s, -s * c.y), SIMD3(0, 0, 1))
        }
        guard let tp = normalizer(plane), let ti = normalizer(image), let tiInverse = ti.inverse else { return nil }
        var rows: [[Double]] = []
        rows.reserveCapacity(2 * plane.count)
        for (p, q) in zip(plane, image) {
            let a = tp * SIMD3(p.x, p.y, 1), b = ti * SIMD3(q.x, q.y, 1)
            rows.append([a.x, a.y, a.z, 0, 0, 0, -b.x * a.x, -b.x * a.y, -b.x * a.z])
            rows.append([0, 0, 0, a.x, a.y, a.z, -b.y * a.x, -b.y * a.y, -b.y * a.z])
        }
        guard let d = try? Matrix(rows).svd(full: true), d.rank(relativeTolerance: 1e-10) >= 8 else { return nil }
        let h = Matrix3x3(rowMajor: d.vt.row(8))
        var m = tiInverse * h * tp
        let scale = m[2, 2]
        guard abs(scale) > 1e-300 else { return nil }
        m = (1 / scale) * m
        matrix = m
    }
}
