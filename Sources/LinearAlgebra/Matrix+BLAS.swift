import CLAPACK

extension Matrix {
    /// The product `a · b` through CBLAS `dgemm`.
    /// - Precondition: `a.columns == b.rows`.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "cannot multiply \(a.rows)×\(a.columns) by \(b.rows)×\(b.columns)")
        var c = Matrix(rows: a.rows, columns: b.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return c }
        let m = Int32(a.rows), n = Int32(b.columns), k = Int32(a.columns)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k,
                                1.0, pa.baseAddress, k, pb.baseAddress, n, 0.0, pc.baseAddress, n)
                }
            }
        }
        return c
    }

    /// The product `aᵀ · b` through `dgemm` without forming the transpose.
    public static func transposeProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.rows == b.rows, "cannot multiply (\(a.rows)×\(a.columns))ᵀ by \(b.rows)×\(b.columns)")
        var c = Matrix(rows: a.columns, columns: b.columns)
        guard a.columns > 0, b.columns > 0, a.rows > 0 else { return c }
        let m = Int32(a.columns), n = Int32(b.columns), k = Int32(a.rows)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k,
                                1.0, pa.baseAddress, Int32(a.columns), pb.baseAddress, n, 0.0, pc.baseAddress, n)
                }
            }
        }
        return c
    }

    /// The matrix-vector product `a · x` through CBLAS `dgemv`.
    /// - Precondition: `x.count == a.columns`.
    public static func * (a: Matrix, x: [Double]) -> [Double] {
        precondition(a.columns == x.count, "cannot multiply \(a.rows)×\(a.columns) by a vector of \(x.count)")
        var y = [Double](repeating: 0, count: a.rows)
        guard a.rows > 0, a.columns > 0 else { return y }
        a.elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(a.rows), Int32(a.columns),
                                1.0, pa.baseAddress, Int32(a.columns), px.baseAddress, 1, 0.0, py.baseAddress, 1)
                }
            }
        }
        return y
    }
}

/// OpenBLAS's own worker threads. Trinocular's matrices are small (calibration's normal
/// equations: a few hundred rows), and between calls OpenBLAS's idle workers spin in
/// `sched_yield`, taking a core from Trinocular's own workers: calibrating 84 views on 2
/// cores spent 0.3 s of CPU there (issue 22).
public enum BLASThreads {
    /// Runs OpenBLAS on `count` threads (1: on the calling thread only).
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
}
