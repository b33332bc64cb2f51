import Foundation
import Geometry
import LinearAlgebra

/// Zhang's closed-form calibration from plane homographies (Z. Zhang, "A flexible new
/// technique for camera calibration", IEEE TPAMI 2000), with zero skew: the image of the
/// absolute conic B = K⁻ᵀK⁻¹ from the constraints h₁ᵀBh₂ = 0 and h₁ᵀBh₁ = h₂ᵀBh₂ of every
/// view (SVD null vector), K from B, then each view's pose from K⁻¹H. Distortion is
/// ignored here; Levenberg–Marquardt refines it. Needs ≥ 3 views (2 with skew fixed).
enum ZhangInitialization {
    static func intrinsics(from homographies: [Homography]) -> Intrinsics? {
        guard homographies.count >= 2 else { return nil }
        func v(_ h: Matrix3x3, _ i: Int, _ j: Int) -> [Double] {
            let a = h.transposed, hi = i == 0 ? a.row0 : a.row1, hj = j == 0 ? a.row0 : a.row1  // columns of H
            return [hi.x * hj.x, hi.x * hj.y + hi.y * hj.x, hi.y * hj.y,
                    hi.z * hj.x + hi.x * hj.z, hi.z * hj.y + hi.y * hj.z, hi.z * hj.z]
        }
        var rows: [[Double]] = []
        for hom in homographies {
            // Normalize H for conditioning.
            let h = (1 / hom.matrix.maxAbs) * hom.matrix
            rows.append(v(h, 0, 1))
            rows.append(zip(v(h, 0, 0), v(h, 1, 1)).map { $0 - $1 })
        }
        rows.append([0, 1, 0, 0, 0, 0])  // zero skew: B12 = 0
        guard let b = try? Matrix(rows).nullVector() else { return nil }
        let (b11, b12, b22, b13, b23, b33) = (b[0], b[1], b[2], b[3], b[4], b[5])
        let denominator = b11 * b22 - b12 * b12
        guard abs(denominator) > 1e-300, abs(b11) > 1e-300 else { return nil }
        let v0 = (b12 * b13 - b11 * b23) / denominator
        let lambda = b33 - (b13 * b13 + v0 * (b12 * b13 - b11 * b23)) / b11
        let alpha2 = lambda / b11, beta2 = lambda * b11 / denominator
        guard alpha2 > 0, beta2 > 0 else { return nil }
        let alpha = alpha2.squareRoot(), beta = beta2.squareRoot()
        let u0 = -b13 * alpha2 / lambda
        return Intrinsics(fx: alpha, fy: beta, cx: u0, cy: v0)
    }

    /// The board pose (camFromBoard) of a view from its homography and K.
    static func pose(from h: Homography, intrinsics k: Intrinsics) -> RigidTransform? {
        guard let kInverse = k.matrix.inverse else { return nil }
        let m = kInverse * h.matrix
        let c0 = m.column0, c1 = m.column1, c2 = m.column2
        var scale = 1 / length(c0)
        if (scale * c2).z < 0 { scale = -scale }  // the board in front of the camera
        let r1 = scale * c0, r2 = scale * c1, t = scale * c2
        let approximate = Matrix3x3(columns: r1, r2, cross(r1, r2))
        guard let rotation = try? Rotation(nearestTo: approximate) else { return nil }
        return RigidTransform(rotation: rotation, translation: t)
    }
}
