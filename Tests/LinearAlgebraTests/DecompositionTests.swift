import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Backward error of every decomposition: ‖A − factors‖ / ‖A‖ ≤ 1e-10 (issue #2), on
/// random matrices of several shapes and on matrices with condition numbers up to 1e12.
@Suite struct DecompositionTests {
    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: cols, elements: (0..<(rows * cols)).map { _ in g.gaussian() })
    }

    static func orthonormal(_ n: Int, seed: UInt64) throws -> Matrix { try random(n, n, seed: seed).qr().q }

    /// U · diag(σ) · Vᵀ with singular values spread geometrically from 1 to `smallest`.
    static func conditioned(_ m: Int, _ n: Int, smallest: Double, seed: UInt64) throws -> Matrix {
        let k = min(m, n)
        let u = try orthonormal(m, seed: seed), v = try orthonormal(n, seed: seed &+ 1)
        var s = Matrix(rows: m, columns: n)
        for i in 0..<k { s[i, i] = pow(smallest, Double(i) / Double(max(k - 1, 1))) }
        return u * s * v.transposed
    }

    static func hilbert(_ n: Int) -> Matrix {
        var h = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { h[i, j] = 1 / Double(i + j + 1) } }
        return h
    }

    static func relativeError(_ a: Matrix, _ b: Matrix) -> Double { (a - b).frobeniusNorm / a.frobeniusNorm }

    static func orthonormalityError(_ q: Matrix) -> Double {
        (Matrix.transposeProduct(q, q) - .identity(q.columns)).maxAbs
    }

    @Test(arguments: [(5, 5), (12, 7), (7, 12), (40, 40), (100, 9)], [UInt64(1), 2, 3])
    func svdReconstructsRandomMatrices(shape: (Int, Int), seed: UInt64) throws {
        let a = Self.random(shape.0, shape.1, seed: seed)
        let d = try a.svd()
        let rebuilt = d.u * Matrix.diagonal(d.singularValues) * d.vt
        #expect(Self.relativeError(a, rebuilt) <= 1e-10)
        #expect(Self.orthonormalityError(d.u) <= 1e-12)
        #expect(Self.orthonormalityError(d.vt.transposed) <= 1e-12)
        #expect(zip(d.singularValues, d.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test(arguments: [1e-6, 1e-9, 1e-12])
    func svdOnIllConditionedMatrices(smallest: Double) throws {
        let a = try Self.conditioned(30, 20, smallest: smallest, seed: 7)
        let d = try a.svd(full: true)
        var s = Matrix(rows: 30, columns: 20)
        for i in 0..<20 { s[i, i] = d.singularValues[i] }
        #expect(Self.relativeError(a, d.u * s * d.vt) <= 1e-10)
        // Singular values are accurate to a small multiple of ε·σ₁, however small they are.
        for i in 0..<20 {
            let expected = pow(smallest, Double(i) / 19)
            #expect(abs(d.singularValues[i] - expected) <= 1e-13)
        }
        #expect(isApproximatelyEqual(d.conditionNumber, 1 / smallest, relative: 1e-2))
    }

    @Test func svdOfHilbertMatrix() throws {
        let h = Self.hilbert(10)  // condition number ≈ 1.6e13
        let d = try h.svd()
        #expect(Self.relativeError(h, d.u * Matrix.diagonal(d.singularValues) * d.vt) <= 1e-10)
        #expect(d.conditionNumber > 1e13 && d.conditionNumber < 2e13)
    }

    @Test func nullVectorOfRankDeficientMatrix() throws {
        // Rows orthogonal to x = (1, -2, 3, 0.5)/|…|: the DLT's situation.
        let x = [1.0, -2, 3, 0.5]
        var g = SeededGenerator(seed: 11)
        var rows: [[Double]] = []
        for _ in 0..<6 {
            var r = (0..<4).map { _ in g.gaussian() }
            let t = zip(r, x).map(*).reduce(0, +) / x.map { $0 * $0 }.reduce(0, +)
            r = zip(r, x).map { $0 - t * $1 }
            rows.append(r)
        }
        let v = try Matrix(rows).nullVector()
        let norm = x.map { $0 * $0 }.reduce(0, +).squareRoot()
        let sign = v[0] > 0 ? 1.0 : -1.0
        #expect(maxAbsDifference(v.map { $0 * sign }, x.map { $0 / norm }) <= 1e-12)
    }

    @Test(arguments: [4, 10, 60], [UInt64(5), 6])
    func symmetricEigenOnRandomMatrices(n: Int, seed: UInt64) throws {
        let b = Self.random(n, n, seed: seed)
        let a = 0.5 * (b + b.transposed)
        let e = try a.symmetricEigen()
        let rebuilt = e.eigenvectors * Matrix.diagonal(e.eigenvalues) * e.eigenvectors.transposed
        #expect(Self.relativeError(a, rebuilt) <= 1e-10)
        #expect(Self.orthonormalityError(e.eigenvectors) <= 1e-12)
        #expect(zip(e.eigenvalues, e.eigenvalues.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func symmetricEigenOnIllConditionedMatrix() throws {
        let q = try Self.orthonormal(12, seed: 9)
        let lambdas = (0..<12).map { pow(1e-12, Double($0) / 11) }
        let a = q * Matrix.diagonal(lambdas) * q.transposed
        let e = try a.symmetricEigen()
        #expect(Self.relativeError(a, e.eigenvectors * Matrix.diagonal(e.eigenvalues) * e.eigenvectors.transposed) <= 1e-10)
        #expect(maxAbsDifference(e.eigenvalues, lambdas.sorted()) <= 1e-14)
    }

    @Test(arguments: [(8, 3), (50, 10), (200, 6)])
    func qrAndLeastSquares(shape: (Int, Int)) throws {
        let (m, n) = shape
        let a = Self.random(m, n, seed: UInt64(m * 31 + n))
        let f = try a.qr()
        #expect(Self.relativeError(a, f.q * f.r) <= 1e-10)
        #expect(Self.orthonormalityError(f.q) <= 1e-12)
        for i in 0..<n { for j in 0..<i { #expect(f.r[i, j] == 0) } }

        // A consistent system recovers its solution; a noisy one leaves a residual
        // orthogonal to A's columns (the normal equations hold).
        var g = SeededGenerator(seed: 3)
        let x = (0..<n).map { _ in g.uniform(-5, 5) }
        let b = a * x
        let solved = try a.solveLeastSquares(b)
        #expect(maxAbsDifference(solved, x) <= 1e-10 * x.map(abs).max()!)
        let noisy = b.map { $0 + 0.1 * g.gaussian() }
        let fit = try a.solveLeastSquares(noisy)
        let residual = zip(a * fit, noisy).map { $0 - $1 }
        let normal = Matrix.transposeProduct(a, Matrix(rows: m, columns: 1, elements: residual))
        #expect(normal.maxAbs <= 1e-10 * a.frobeniusNorm * Matrix(rows: m, columns: 1, elements: noisy).frobeniusNorm)
    }

    @Test func leastSquaresOnIllConditionedVandermonde() throws {
        // Polynomial fit of degree 9 on [0, 1]: condition number ~1e7.
        let ts = (0..<40).map { Double($0) / 39 }
        let a = Matrix(ts.map { t in (0..<10).map { pow(t, Double($0)) } })
        let coefficients = (0..<10).map { Double($0 % 3) - 1 }
        let b = a * coefficients
        let x = try a.solveLeastSquares(b)
        // Backward error: the fitted values reproduce b to ≤ 1e-10 relative.
        let fitted = a * x
        #expect(maxAbsDifference(fitted, b) / b.map(abs).max()! <= 1e-10)
    }

    @Test(arguments: [3, 20, 80])
    func choleskyFactorAndSolve(n: Int) throws {
        let b = Self.random(n + 5, n, seed: UInt64(n))
        let a = Matrix.transposeProduct(b, b) + 1e-3 * .identity(n)  // SPD
        let l = try a.cholesky()
        #expect(Self.relativeError(a, l * l.transposed) <= 1e-10)
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { #expect(l[i, j] == 0) } }
        var g = SeededGenerator(seed: 4)
        let x = Matrix(rows: n, columns: 2, elements: (0..<(2 * n)).map { _ in g.gaussian() })
        let solved = try a.choleskySolve(a * x)
        #expect(Self.relativeError(x, solved) <= 1e-8)  // forward error ≤ cond(A)·ε
        #expect(Self.relativeError(a * x, a * solved) <= 1e-10)
    }

    @Test func luSolveAndInverse() throws {
        let a = Self.random(15, 15, seed: 21)
        let inverse = try a.inverse()
        #expect((a * inverse - .identity(15)).maxAbs <= 1e-10)
    }
}

/// LAPACK's `info != 0` and bad input surface as thrown errors, never as garbage.
@Suite struct LinearAlgebraFailureTests {
    @Test func choleskyOfIndefiniteMatrixThrows() {
        let a = Matrix([[1, 2], [2, 1]])  // eigenvalues 3, −1
        #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", order: 2)) { try a.cholesky() }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: "dposv", order: 2)) {
            try a.choleskySolve(Matrix(rows: 2, columns: 1, elements: [1, 1]))
        }
    }

    @Test func singularSolveThrows() {
        let a = Matrix([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
        #expect(throws: LinearAlgebraError.self) { try a.solve(.identity(3)) }
        do { _ = try a.inverse(); Issue.record("expected a singular-matrix error") } catch let e as LinearAlgebraError {
            guard case .singular(routine: "dgesv", _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(e.description.contains("singular"))
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func rankDeficientLeastSquaresThrows() {
        let a = Matrix([[1, 2], [2, 4], [3, 6]])
        #expect(throws: LinearAlgebraError.singular(routine: "dgels", index: 2)) { try a.solveLeastSquares([1, 2, 3]) }
    }

    @Test func nonFiniteInputThrows() {
        let a = Matrix([[1, .nan], [0, 1]])
        #expect(throws: LinearAlgebraError.nonFinite(routine: "dgesdd")) { try a.svd() }
        #expect(throws: LinearAlgebraError.nonFinite(routine: "dsyevd")) { try a.symmetricEigen() }
        #expect(throws: LinearAlgebraError.nonFinite(routine: "dgels")) { try a.solveLeastSquares([1, .infinity]) }
    }

    @Test func shapeErrorsThrow() {
        #expect(throws: LinearAlgebraError.self) { try Matrix(rows: 2, columns: 3).qr() }
        #expect(throws: LinearAlgebraError.self) { try Matrix(rows: 2, columns: 3).symmetricEigen() }
        #expect(throws: LinearAlgebraError.self) { try Matrix.identity(3).solve(.identity(2)) }
    }
}

@Suite struct ProductTests {
    @Test func blasProductsMatchNaiveSums() {
        var g = SeededGenerator(seed: 2)
        let a = Matrix(rows: 7, columns: 5, elements: (0..<35).map { _ in g.gaussian() })
        let b = Matrix(rows: 5, columns: 4, elements: (0..<20).map { _ in g.gaussian() })
        let c = a * b
        for i in 0..<7 {
            for j in 0..<4 {
                let naive = (0..<5).reduce(0.0) { $0 + a[i, $1] * b[$1, j] }
                #expect(abs(c[i, j] - naive) <= 1e-14 * 10)
            }
        }
        let x = (0..<5).map { _ in g.gaussian() }
        let y = a * x
        for i in 0..<7 { #expect(abs(y[i] - (0..<5).reduce(0.0) { $0 + a[i, $1] * x[$1] }) <= 1e-13) }
        #expect((Matrix.transposeProduct(a, a) - a.transposed * a).maxAbs <= 1e-13)
    }
}
