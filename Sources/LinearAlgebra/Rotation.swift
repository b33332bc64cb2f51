import Foundation

/// A rotation of 3-space, held as an orthonormal 3×3 matrix with determinant +1.
///
/// Converts to and from a Rodrigues (axis·angle) vector exactly as OpenCV's `cv::Rodrigues`
/// defines it (angle = |r| in radians, right-handed about r/|r|), and to and from a unit
/// quaternion (Hamilton convention, scalar first). Conversions are accurate to ~1e-15
/// over the whole range of angles, including near 0 and near π.
public struct Rotation: Sendable, Equatable, Hashable {
    /// The rotation matrix: `x' = matrix · x`.
    public let matrix: Matrix3x3

    public static let identity = Rotation(unchecked: .identity)

    /// Trusts that `matrix` is a rotation (hot paths, values produced by this type).
    @inlinable
    public init(unchecked matrix: Matrix3x3) { self.matrix = matrix }

    /// A rotation from a matrix that must be orthonormal with det +1 within `tolerance`
    /// (max |RᵀR − I|); returns nil otherwise. The matrix is kept as given.
    public init?(_ matrix: Matrix3x3, tolerance: Double = 1e-6) {
        guard Rotation.orthonormalityError(matrix) <= tolerance, matrix.determinant > 0 else { return nil }
        self.matrix = matrix
    }

    /// The rotation nearest (Frobenius) to an arbitrary matrix, through its SVD:
    /// R = U · diag(1, 1, det(UVᵀ)) · Vᵀ.
    public init(nearestTo m: Matrix3x3) throws {
        let d = try m.matrix.svd()
        let u = Matrix3x3(rowMajor: d.u.elements), vt = Matrix3x3(rowMajor: d.vt.elements)
        let sign: Double = (u * vt).determinant < 0 ? -1 : 1
        matrix = u * .diagonal(SIMD3(1, 1, sign)) * vt
    }

    /// max |RᵀR − I| over the nine entries: 0 for an exact rotation.
    public static func orthonormalityError(_ m: Matrix3x3) -> Double {
        (m.transposed * m - .identity).maxAbs
    }

    // MARK: Rodrigues

    /// The rotation of angle |r| (radians) about the axis r/|r|, as `cv::Rodrigues`.
    public init(rodrigues r: SIMD3<Double>) {
        let theta = length(r)
        guard theta >= Double.ulpOfOne else { matrix = .identity; return }
        let k = r / theta
        let c = cos(theta), s = sin(theta)
        matrix = c * Matrix3x3.identity + (1 - c) * Matrix3x3.outer(k, k) + s * Matrix3x3.skew(k)
    }

    /// The Rodrigues vector, with angle in [0, π]. At exactly π the sign of the axis is
    /// a convention: both signs give the same rotation.
    public var rodrigues: SIMD3<Double> {
        let m = matrix
        let vee = 0.5 * SIMD3(m[2, 1] - m[1, 2], m[0, 2] - m[2, 0], m[1, 0] - m[0, 1])  // sinθ · k
        let s = length(vee)
        let c = max(-1, min(1, 0.5 * (m.trace - 1)))
        let theta = atan2(s, c)
        if c > 0 {
            // θ < π/2: the antisymmetric part is well conditioned.
            guard s > 0 else { return .zero }
            return vee * (theta / s)
        }
        // θ ≥ π/2: the axis from the symmetric part, (R + Rᵀ)/2 − cI = (1 − c) k kᵀ.
        let b = 0.5 * (m + m.transposed) - c * Matrix3x3.identity
        let diag = SIMD3(b[0, 0], b[1, 1], b[2, 2])
        let column: SIMD3<Double>
        if diag.x >= diag.y && diag.x >= diag.z { column = b.column0 }
        else if diag.y >= diag.z { column = b.column1 }
        else { column = b.column2 }
        var k = normalize(column)
        if dot(k, vee) < 0 { k = -k }
        return theta * k
    }

    /// The rotation angle in radians, in [0, π].
    public var angle: Double { length(rodrigues) }

    // MARK: Quaternions

    /// The rotation of a unit quaternion (normalised here if it is not).
    public init(_ q: UnitQuaternion) {
        let w = q.w, x = q.x, y = q.y, z = q.z
        matrix = Matrix3x3(
            rows: SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
            SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
            SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)))
    }

    /// The unit quaternion with w ≥ 0 (Shepperd's method: stable for every rotation).
    public var quaternion: UnitQuaternion {
        let m = matrix
        let t = m.trace
        var q: SIMD4<Double>  // w x y z
        if t >= m[0, 0] && t >= m[1, 1] && t >= m[2, 2] {
            let r = (1 + t).squareRoot()
            q = SIMD4(0.5 * r, (m[2, 1] - m[1, 2]) / (2 * r), (m[0, 2] - m[2, 0]) / (2 * r), (m[1, 0] - m[0, 1]) / (2 * r))
        } else if m[0, 0] >= m[1, 1] && m[0, 0] >= m[2, 2] {
            let r = (1 + m[0, 0] - m[1, 1] - m[2, 2]).squareRoot()
            q = SIMD4((m[2, 1] - m[1, 2]) / (2 * r), 0.5 * r, (m[0, 1] + m[1, 0]) / (2 * r), (m[0, 2] + m[2, 0]) / (2 * r))
        } else if m[1, 1] >= m[2, 2] {
            let r = (1 - m[0, 0] + m[1, 1] - m[2, 2]).squareRoot()
            q = SIMD4((m[0, 2] - m[2, 0]) / (2 * r), (m[0, 1] + m[1, 0]) / (2 * r), 0.5 * r, (m[1, 2] + m[2, 1]) / (2 * r))
        } else {
            let r = (1 - m[0, 0] - m[1, 1] + m[2, 2]).squareRoot()
            q = SIMD4((m[1, 0] - m[0, 1]) / (2 * r), (m[0, 2] + m[2, 0]) / (2 * r), (m[1, 2] + m[2, 1]) / (2 * r), 0.5 * r)
        }
        if q.x < 0 { q = -q }
        return UnitQuaternion(w: q.x, x: q.y, y: q.z, z: q.w)
    }

    // MARK: Composition

    /// Applies the rotation to a vector.
    @inlinable
    public func apply(_ v: SIMD3<Double>) -> SIMD3<Double> { matrix * v }

    /// The inverse rotation (the transpose).
    @inlinable
    public var inverse: Rotation { Rotation(unchecked: matrix.transposed) }

    /// `a * b` rotates by b first, then a.
    @inlinable
    public static func * (a: Rotation, b: Rotation) -> Rotation { Rotation(unchecked: a.matrix * b.matrix) }
}

/// A unit quaternion w + x i + y j + z k (Hamilton convention, scalar first).
public struct UnitQuaternion: Sendable, Equatable, Hashable {
    public let w: Double, x: Double, y: Double, z: Double

    /// Normalises the four numbers; all zero gives the identity.
    public init(w: Double, x: Double, y: Double, z: Double) {
        let n = (w * w + x * x + y * y + z * z).squareRoot()
        if n > 0 && n.isFinite { self.w = w / n; self.x = x / n; self.y = y / n; self.z = z / n }
        else { self.w = 1; self.x = 0; self.y = 0; self.z = 0 }
    }
}
