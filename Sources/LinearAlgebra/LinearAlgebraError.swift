/// A numerical routine could not produce a result; `info` is LAPACK's status code.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// LAPACK reported `info < 0`: argument number `-info` was illegal (LAPACKE also
    /// reports NaN in the input this way).
    case illegalArgument(routine: String, info: Int32)
    /// Cholesky: the leading minor of this order is not positive definite.
    case notPositiveDefinite(routine: String, order: Int32)
    /// A triangular factor is exactly singular (LU pivot or R diagonal is zero).
    case singular(routine: String, index: Int32)
    /// An iterative decomposition (SVD, eigen) did not converge.
    case noConvergence(routine: String, info: Int32)
    /// Matrix shapes do not fit the operation.
    case dimensionMismatch(String)
    /// The input holds NaN or infinity.
    case nonFinite(routine: String)

    public var description: String {
        switch self {
        case let .illegalArgument(routine, info):
            return "\(routine): argument \(-info) was illegal (LAPACK info \(info)); the input may contain NaN"
        case let .notPositiveDefinite(routine, order):
            return "\(routine): the matrix is not positive definite (leading minor of order \(order))"
        case let .singular(routine, index):
            return "\(routine): the matrix is singular (zero pivot at \(index))"
        case let .noConvergence(routine, info):
            return "\(routine): the iteration did not converge (LAPACK info \(info))"
        case let .dimensionMismatch(what):
            return "matrix dimensions do not fit: \(what)"
        case let .nonFinite(routine):
            return "\(routine): the input contains NaN or infinity"
        }
    }
}
