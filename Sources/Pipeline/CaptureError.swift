/// A capture folder (or one of its files) cannot be used: names the file and the problem.
public struct CaptureError: Error, CustomStringConvertible, Equatable {
    /// The file or folder concerned.
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file; self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

/// Several things are wrong with one capture folder; all are reported at once so that a
/// user can mend them in one go.
public struct CaptureProblems: Error, CustomStringConvertible, Equatable {
    public var folder: String
    public var problems: [CaptureError]

    public var description: String {
        (["capture folder \(folder) cannot be used:"] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
