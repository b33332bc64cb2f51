import Interchange

/// A capture folder (or one of its files) cannot be used: names the file and the problem.
public typealias CaptureError = FileProblem

/// Several things are wrong with one capture folder; all are reported at once so that a
/// user can mend them in one go.
public struct CaptureProblems: TrinocularError, Equatable {
    public var fault: Fault { .badInput }
    public var folder: String
    public var problems: [CaptureError]

    public var description: String {
        (["capture folder \(folder) cannot be used:"] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
