import Foundation
import LinearAlgebra

/// The normal equations of a least-squares problem at one point: JᵀJ, Jᵀr and the
/// residuals, accumulated a residual pair at a time from the few parameters each pair
/// depends on (a board corner depends on one camera and one board pose), so that J itself
/// — thousands of rows, mostly zeros — is never stored.
struct NormalEquations {
    let parameterCount: Int
    var jtj: [Double]
    var jtr: [Double]
    var residuals: [Double] = []

    init(parameterCount n: Int, residualCapacity: Int = 0) {
        parameterCount = n
        jtj = [Double](repeating: 0, count: n * n)
        jtr = [Double](repeating: 0, count: n)
        residuals.reserveCapacity(residualCapacity)
    }

    /// Adds one observed pixel: its residual (x, y) and the nonzero columns of its two
    /// Jacobian rows, as (parameter index, (∂x, ∂y)). Only the upper triangle is written;
    /// `symmetrized()` fills the rest.
    mutating func add(residual r: SIMD2<Double>, columns: UnsafeBufferPointer<(Int, SIMD2<Double>)>) {
        residuals.append(r.x); residuals.append(r.y)
        let n = parameterCount
        jtj.withUnsafeMutableBufferPointer { a in
            jtr.withUnsafeMutableBufferPointer { g in
                for (i, di) in columns {
                    g[i] += (di * r).sum()
                    for (j, dj) in columns where j >= i {
                        a[i * n + j] += (di * dj).sum()
                    }
                }
            }
        }
    }

    /// JᵀJ as a full symmetric matrix.
    func symmetrized() -> Matrix {
        let n = parameterCount
        var m = Matrix(rows: n, columns: n, elements: jtj)
        for i in 0..<n { for j in 0..<i { m.elements[i * n + j] = m.elements[j * n + i] } }
        return m
    }

    var cost: Double { residuals.reduce(0) { $0 + $1 * $1 } }
}

/// Levenberg–Marquardt for nonlinear least squares, min ‖r(p)‖² (Marquardt's scaling: the
/// damping multiplies diag(JᵀJ)). The model gives the normal equations at p
/// (`NormalEquations`); each step solves (JᵀJ + λ·diag JᵀJ) δ = −Jᵀr by Cholesky (LAPACK
/// `dposv`).
struct LevenbergMarquardt {
    /// The normal equations at p.
    typealias Model = ([Double]) throws -> NormalEquations

    struct Result {
        var parameters: [Double]
        var residuals: [Double]
        /// JᵀJ at the optimum (symmetric), for the covariance σ̂² (JᵀJ)⁻¹.
        var jtj: Matrix
        var cost: Double { residuals.reduce(0) { $0 + $1 * $1 } }
        var iterations: Int
        var converged: Bool
    }

    var maxIterations = 200
    /// Stop when an accepted step lowers the cost by less than this fraction.
    var relativeTolerance = 1e-15
    /// Stop when every step component is below this fraction of its parameter.
    var stepTolerance = 1e-14

    func minimize(_ start: [Double], model: Model) throws -> Result {
        var p = start
        var normal = try model(p)
        var jtj = normal.symmetrized()
        var cost = normal.cost
        var lambda = 1e-3
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            let g = normal.jtr
            var improved = false
            while lambda < 1e16 {
                var a = jtj
                for i in 0..<a.rows { a[i, i] += lambda * max(jtj[i, i], 1e-12) }
                guard let delta = try? a.choleskySolve(Matrix(rows: g.count, columns: 1, elements: g.map { -$0 })).elements else {
                    lambda *= 10; continue
                }
                let candidate = zip(p, delta).map(+)
                guard let next = try? model(candidate) else { lambda *= 10; continue }
                let candidateCost = next.cost
                if candidateCost.isFinite, candidateCost <= cost {
                    let reduction = (cost - candidateCost) / max(cost, 1e-300)
                    let smallStep = zip(delta, p).allSatisfy { abs($0) <= stepTolerance * max(abs($1), 1e-3) }
                    p = candidate; normal = next; jtj = next.symmetrized(); cost = candidateCost
                    lambda = max(lambda / 10, 1e-12)
                    improved = true
                    if reduction < relativeTolerance || smallStep { converged = true }
                    break
                }
                lambda *= 10
            }
            if !improved { converged = true; break }  // no step lowers the cost: at the minimum
            if converged { break }
        }
        return Result(parameters: p, residuals: normal.residuals, jtj: jtj, iterations: iterations, converged: converged)
    }

    /// The covariance of the parameters at the optimum, σ̂² (JᵀJ)⁻¹ with σ̂² = ‖r‖² / (m − n).
    /// Nil when there are no more residuals than parameters or JᵀJ is singular.
    static func covariance(_ result: Result) -> Matrix? {
        let m = result.residuals.count, n = result.parameters.count
        guard m > n, let inverse = try? result.jtj.choleskySolve(.identity(n)) else { return nil }
        let sigma2 = result.cost / Double(m - n)
        return Matrix(rows: n, columns: n, elements: inverse.elements.map { $0 * sigma2 })
    }

    /// Standard deviations of the parameters (the covariance's diagonal, square-rooted).
    static func standardDeviations(_ result: Result) -> [Double]? {
        guard let c = covariance(result) else { return nil }
        return (0..<c.rows).map { max(c[$0, $0], 0).squareRoot() }
    }
}
