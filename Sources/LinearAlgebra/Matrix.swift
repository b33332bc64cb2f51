/// A dense matrix of `Double`, stored row-major: element (r, c) is `elements[r * columns + c]`.
///
/// Products go through CBLAS (`dgemm`, `dgemv`); decompositions through LAPACKE
/// (see `Matrix+Decompositions.swift`). A value type: copies are cheap until written.
public struct Matrix: Sendable, Equatable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    /// Row-major storage, `rows * columns` elements.
    public var elements: [Double]

    /// A matrix from row-major elements.
    /// - Precondition: `elements.count == rows * columns`, both dimensions ≥ 0.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        precondition(elements.count == rows * columns,
                     "matrix \(rows)×\(columns) needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix filled with one value (zero by default).
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: rows * columns))
    }

    /// A matrix from an array of rows, all of the same length.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "all rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A diagonal matrix with `values` on the diagonal.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, columns: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "matrix index out of range")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "matrix index out of range")
            elements[row * columns + column] = newValue
        }
    }

    public var isSquare: Bool { rows == columns }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Double] { Array(elements[(r * columns)..<((r + 1) * columns)]) }

    /// Column `c` as an array.
    public func column(_ c: Int) -> [Double] { (0..<rows).map { self[$0, c] } }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns { t.elements[c * rows + r] = elements[r * columns + c] }
        }
        return t
    }

    /// The Frobenius norm, √Σ aᵢⱼ².
    public var frobeniusNorm: Double {
        // Scaled to avoid overflow on huge entries.
        let scale = elements.reduce(0) { max($0, abs($1)) }
        guard scale > 0, scale.isFinite else { return scale }
        let s = elements.reduce(0) { $0 + ($1 / scale) * ($1 / scale) }
        return scale * s.squareRoot()
    }

    /// The largest absolute element.
    public var maxAbs: Double { elements.reduce(0) { max($0, abs($1)) } }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "matrix sizes differ")
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map(+))
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "matrix sizes differ")
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map(-))
    }

    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, elements: a.elements.map { s * $0 })
    }

    public var description: String {
        (0..<rows).map { r in row(r).map { String($0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
