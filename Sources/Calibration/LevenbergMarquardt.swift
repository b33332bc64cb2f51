import Foundation
import LinearAlgebra

/// Dense Levenberg–Marquardt for nonlinear least squares, min ½‖r(p)‖² (Marquardt's
/// scaling: the damping multiplies diag(JᵀJ)). Normal equations by Cholesky (LAPACK
/// `dposv`); JᵀJ by BLAS `dgemm`.
struct LevenbergMarquardt {
    /// Residuals and their Jacobian (rows = residuals, columns = parameters) at p.
    typealias Model = ([Double]) throws -> (residuals: [Double], jacobian: Matrix)

    struct Result {
        var parameters: [Double]
        var residuals: [Double]
        var jacobian: Matrix
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
        var (r, j) = try model(p)
        var cost = r.reduce(0) { $0 + $1 * $1 }
        var lambda = 1e-3
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            let jtj = Matrix.transposeProduct(j, j)
            let g = Matrix.transposeProduct(j, Matrix(rows: r.count, columns: 1, elements: r)).elements
            var improved = false
            while lambda < 1e16 {
                var a = jtj
                for i in 0..<a.rows { a[i, i] += lambda * max(jtj[i, i], 1e-12) }
                guard let delta = try? a.choleskySolve(Matrix(rows: g.count, columns: 1, elements: g.map { -$0 })).elements else {
                    lambda *= 10; continue
                }
                let candidate = zip(p, delta).map(+)
                guard let (rc, jc) = try? model(candidate) else { lambda *= 10; continue }
                let candidateCost = rc.reduce(0) { $0 + $1 * $1 }
                if candidateCost.isFinite, candidateCost <= cost {
                    let reduction = (cost - candidateCost) / max(cost, 1e-300)
                    let smallStep = zip(delta, p).allSatisfy { abs($0) <= stepTolerance * max(abs($1), 1e-3) }
                    p = candidate; r = rc; j = jc; cost = candidateCost
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
        return Result(parameters: p, residuals: r, jacobian: j, iterations: iterations, converged: converged)
    }

    /// Standard deviations of the parameters from the covariance at the optimum,
    /// σ̂² (JᵀJ)⁻¹ with σ̂² = ‖r‖² / (m − n). Nil when JᵀJ is singular.
    static func standardDeviations(_ result: Result) -> [Double]? {
        let m = result.residuals.count, n = result.parameters.count
        guard m > n else { return nil }
        let sigma2 = result.cost / Double(m - n)
        let jtj = Matrix.transposeProduct(result.jacobian, result.jacobian)
        guard let inverse = try? jtj.choleskySolve(.identity(n)) else { return nil }
        return (0..<n).map { (sigma2 * max(inverse[$0, $0], 0)).squareRoot() }
    }
}
