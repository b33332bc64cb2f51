import Foundation
import Geometry
import LinearAlgebra
import Parallelism

/// A camera's 3×4 projection matrix P = K [R | t] (px), row-major: a point X (mm, world
/// frame) projects to (P·(X, 1)) dehomogenized. Distortion is not part of it: pixels given
/// to the triangulation are undistorted (or rectified) first.
public struct ProjectionMatrix: Sendable, Equatable {
    public var rows: [Double]

    /// - Precondition: 12 numbers.
    public init(rowMajor rows: [Double]) {
        precondition(rows.count == 12, "a projection matrix has 3×4 numbers")
        self.rows = rows
    }

    /// P = K [R | t] of a pinhole camera posed camFromWorld (its distortion left out).
    public init(_ camera: PinholeCamera, camFromWorld: RigidTransform) {
        let k = camera.intrinsics.matrix, r = camFromWorld.rotation.matrix, t = camFromWorld.translation
        let kr = k * r, kt = k * t
        rows = [kr.row0.x, kr.row0.y, kr.row0.z, kt.x,
                kr.row1.x, kr.row1.y, kr.row1.z, kt.y,
                kr.row2.x, kr.row2.y, kr.row2.z, kt.z]
    }

    @inlinable func row(_ i: Int) -> SIMD4<Double> { SIMD4(rows[4 * i], rows[4 * i + 1], rows[4 * i + 2], rows[4 * i + 3]) }

    /// The pixel where X (mm, world frame) projects; nil behind the camera (depth ≤ 0).
    public func project(_ x: SIMD3<Double>) -> SIMD2<Double>? {
        let h = SIMD4(x.x, x.y, x.z, 1)
        let w = (row(2) * h).sum()
        guard w > 0 else { return nil }
        return SIMD2((row(0) * h).sum(), (row(1) * h).sum()) / w
    }
}

/// Linear triangulation (DLT; Hartley & Zisserman, "Multiple View Geometry", 2nd ed.,
/// §12.2): for each view the rows u·p₃ − p₁ and v·p₃ − p₂ of A, and X the right singular
/// vector of A's smallest singular value (LAPACK `dgesdd`), dehomogenized. With two views
/// it is exactly `cv::triangulatePoints`. Minimal sample: 2 views.
public enum Triangulation {
    /// One point from N ≥ 2 views. Nil when the views do not fix one finite point in front
    /// of every camera (coinciding rays, w = 0, a point behind a camera) or the SVD fails.
    public static func linear(_ projections: [ProjectionMatrix], _ pixels: [SIMD2<Double>]) -> SIMD3<Double>? {
        precondition(projections.count == pixels.count && projections.count >= 2, "one pixel per view, two views at least")
        var a = Matrix(rows: 2 * projections.count, columns: 4)
        for (k, (p, x)) in zip(projections, pixels).enumerated() {
            let r0 = x.x * p.row(2) - p.row(0), r1 = x.y * p.row(2) - p.row(1)
            for c in 0..<4 { a[2 * k, c] = r0[c]; a[2 * k + 1, c] = r1[c] }
        }
        guard let d = try? a.svd(full: true) else { return nil }
        // A second (near-)zero singular value: the rays coincide, no single point.
        let s = d.singularValues
        guard s.count == 4, s[2] > 1e-12 * s[0] else { return nil }
        let h = d.vt.row(3)
        guard abs(h[3]) > 1e-300 else { return nil }
        let x = SIMD3(h[0], h[1], h[2]) / h[3]
        guard x.x.isFinite, x.y.isFinite, x.z.isFinite else { return nil }
        // In front of every camera (positive depth p₃·X for P = K[R | t]).
        let xh = SIMD4(x.x, x.y, x.z, 1)
        return projections.allSatisfy { ($0.row(2) * xh).sum() > 0 } ? x : nil
    }

    /// Many points seen by the same N views: `pixels[k][i]` is point i in view k. Points
    /// are solved in parallel (each its own 2N×4 SVD). Nil entries where `linear` gives nil.
    public static func linear(_ projections: [ProjectionMatrix], pixels: [[SIMD2<Double>]]) -> [SIMD3<Double>?] {
        precondition(pixels.count == projections.count, "one pixel list per view")
        let n = pixels.first?.count ?? 0
        precondition(pixels.allSatisfy { $0.count == n }, "every view lists every point")
        var out = [SIMD3<Double>?](repeating: nil, count: n)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeSendable(buffer.baseAddress)
            let chunks = max(1, min(n, 64))
            Parallel.perform(iterations: chunks) { chunk in
                for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                    base.pointer![i] = linear(projections, pixels.map { $0[i] })
                }
            }
        }
        return out
    }

    /// Reprojection error (px) of X in a view; infinite behind the camera.
    public static func reprojectionError(_ x: SIMD3<Double>, _ p: ProjectionMatrix, _ pixel: SIMD2<Double>) -> Double {
        guard let u = p.project(x) else { return .infinity }
        return ((u - pixel) * (u - pixel)).sum().squareRoot()
    }
}

/// A pointer handed to parallel workers that write disjoint elements.
struct UnsafeSendable<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
