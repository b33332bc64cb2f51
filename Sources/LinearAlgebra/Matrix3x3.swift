/// A 3×3 matrix of `Double` held as three row vectors: small, fixed-size and on the stack.
///
/// For camera maths (rotations, intrinsics, essential matrices) where `Matrix` and a BLAS
/// call would cost more than the arithmetic.
public struct Matrix3x3: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var row0: SIMD3<Double>
    public var row1: SIMD3<Double>
    public var row2: SIMD3<Double>

    @inlinable
    public init(rows row0: SIMD3<Double>, _ row1: SIMD3<Double>, _ row2: SIMD3<Double>) {
        self.row0 = row0; self.row1 = row1; self.row2 = row2
    }

    /// From nine numbers in row-major order (as `rig.json` stores R).
    /// - Precondition: `rowMajor.count == 9`.
    @inlinable
    public init(rowMajor m: [Double]) {
        precondition(m.count == 9, "a 3×3 matrix needs 9 numbers, got \(m.count)")
        self.init(rows: SIMD3(m[0], m[1], m[2]), SIMD3(m[3], m[4], m[5]), SIMD3(m[6], m[7], m[8]))
    }

    /// From three column vectors.
    @inlinable
    public init(columns c0: SIMD3<Double>, _ c1: SIMD3<Double>, _ c2: SIMD3<Double>) {
        self.init(rows: SIMD3(c0.x, c1.x, c2.x), SIMD3(c0.y, c1.y, c2.y), SIMD3(c0.z, c1.z, c2.z))
    }

    public static let identity = Matrix3x3(rows: SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))
    public static let zero = Matrix3x3(rows: .zero, .zero, .zero)

    /// A diagonal matrix.
    @inlinable
    public static func diagonal(_ d: SIMD3<Double>) -> Matrix3x3 {
        Matrix3x3(rows: SIMD3(d.x, 0, 0), SIMD3(0, d.y, 0), SIMD3(0, 0, d.z))
    }

    /// The cross-product matrix [v]×, with [v]× w = v × w.
    @inlinable
    public static func skew(_ v: SIMD3<Double>) -> Matrix3x3 {
        Matrix3x3(rows: SIMD3(0, -v.z, v.y), SIMD3(v.z, 0, -v.x), SIMD3(-v.y, v.x, 0))
    }

    /// The outer product a bᵀ.
    @inlinable
    public static func outer(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Matrix3x3 {
        Matrix3x3(rows: a.x * b, a.y * b, a.z * b)
    }

    /// Nine numbers, row-major.
    public var rowMajor: [Double] { [row0.x, row0.y, row0.z, row1.x, row1.y, row1.z, row2.x, row2.y, row2.z] }

    @inlinable public var column0: SIMD3<Double> { SIMD3(row0.x, row1.x, row2.x) }
    @inlinable public var column1: SIMD3<Double> { SIMD3(row0.y, row1.y, row2.y) }
    @inlinable public var column2: SIMD3<Double> { SIMD3(row0.z, row1.z, row2.z) }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get {
            switch row {
            case 0: return row0[column]
            case 1: return row1[column]
            default: precondition(row == 2, "row out of range"); return row2[column]
            }
        }
        set {
            switch row {
            case 0: row0[column] = newValue
            case 1: row1[column] = newValue
            default: precondition(row == 2, "row out of range"); row2[column] = newValue
            }
        }
    }

    @inlinable
    public var transposed: Matrix3x3 { Matrix3x3(columns: row0, row1, row2) }

    @inlinable
    public var determinant: Double { (row0 * cross(row1, row2)).sum() }

    @inlinable
    public var trace: Double { row0.x + row1.y + row2.z }

    /// The largest absolute element.
    public var maxAbs: Double { Swift.max(row0.replacing(with: -row0, where: row0 .< 0).max(), row1.replacing(with: -row1, where: row1 .< 0).max(), row2.replacing(with: -row2, where: row2 .< 0).max()) }

    /// The inverse, or nil when |det| is below `1e-300`.
    public var inverse: Matrix3x3? {
        let c0 = cross(row1, row2), c1 = cross(row2, row0), c2 = cross(row0, row1)
        let det = (row0 * c0).sum()
        guard abs(det) > 1e-300 else { return nil }
        return Matrix3x3(columns: c0 / det, c1 / det, c2 / det)
    }

    /// A general `Matrix` with the same elements.
    public var matrix: Matrix { Matrix(rows: 3, columns: 3, elements: rowMajor) }

    @inlinable
    public static func * (m: Matrix3x3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.row0 * v).sum(), (m.row1 * v).sum(), (m.row2 * v).sum())
    }

    @inlinable
    public static func * (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: b.row0 * a.row0.x + b.row1 * a.row0.y + b.row2 * a.row0.z,
                  b.row0 * a.row1.x + b.row1 * a.row1.y + b.row2 * a.row1.z,
                  b.row0 * a.row2.x + b.row1 * a.row2.y + b.row2 * a.row2.z)
    }

    @inlinable
    public static func * (s: Double, m: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: s * m.row0, s * m.row1, s * m.row2)
    }

    @inlinable
    public static func + (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: a.row0 + b.row0, a.row1 + b.row1, a.row2 + b.row2)
    }

    @inlinable
    public static func - (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: a.row0 - b.row0, a.row1 - b.row1, a.row2 - b.row2)
    }

    public var description: String { "[\(row0.x) \(row0.y) \(row0.z); \(row1.x) \(row1.y) \(row1.z); \(row2.x) \(row2.y) \(row2.z)]" }
}

/// The cross product a × b.
@inlinable
public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// The dot product a · b.
@inlinable
public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// The Euclidean length |v|.
@inlinable
public func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

/// v / |v|; the zero vector stays zero.
@inlinable
public func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> {
    let l = length(v)
    return l > 0 ? v / l : v
}
