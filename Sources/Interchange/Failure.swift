import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whose fault a failure is. The command line reads it for the exit status: the input's
/// (a file, a folder, an argument: exit 2, nothing written) or the work's (exit 1).
public enum Fault: Sendable, Equatable {
    case badInput
    case workFailed
}

/// The one shape of Trinocular's errors: a message that names what failed (its
/// `description`), and whose fault it was. Every error a module throws conforms; the
/// command line needs to know no error type by name.
public protocol TrinocularError: Error, CustomStringConvertible {
    var fault: Fault { get }
}

/// A file or folder that cannot be used, read or written: names it and the problem.
///
/// Most of the toolkit's errors are this shape; the modules name it after what they read
/// (`ImageError`, `MeshFileError`, `SealError`, …) so that a signature says what it reads.
public struct FileProblem: TrinocularError, Equatable {
    /// The file's path as given (or a description of the source, `<memory>`, `$VAR`).
    public var file: String
    public var problem: String
    public var fault: Fault

    public init(file: String, problem: String, fault: Fault = .badInput) {
        self.file = file; self.problem = problem; self.fault = fault
    }

    public var description: String { "\(file): \(problem)" }

    /// A failed system call on `file`: a path that does not exist, is not a folder, or may
    /// not be written is the input's fault; a full disk or an I/O error is the work's.
    public static func system(file: String, doing what: String, errno code: Int32) -> FileProblem {
        let reason = String(cString: strerror(code))
        let input: Set<Int32> = [ENOENT, ENOTDIR, EISDIR, EEXIST, EACCES, EPERM, EROFS, ENAMETOOLONG, ELOOP, EXDEV]
        return FileProblem(file: file, problem: "\(what) (\(reason))", fault: input.contains(code) ? .badInput : .workFailed)
    }
}

extension StringProtocol {
    /// At most `limit` characters of the text, for quoting what a parser refuses in an
    /// error message: long values are cut in the middle (`abc…xyz (12345 characters)`),
    /// control characters shown as `?`.
    public func excerpt(_ limit: Int = 40) -> String {
        func shown<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
            var out = String.UnicodeScalarView()
            for u in scalars { out.append(u.properties.generalCategory == .control ? "?" : u) }
            return String(out)
        }
        let scalars = unicodeScalars
        let total = scalars.count
        guard total > limit else { return shown(scalars) }
        return "\(shown(scalars.prefix(limit / 2)))…\(shown(scalars.suffix(limit / 2))) (\(total) characters)"
    }
}

/// How much a file Trinocular reads as a whole may hold. Each bound is far above any real
/// file of its kind and keeps a hostile file from costing memory or time.
public enum InputLimits {
    /// JSON documents: rig.json, capture.json, landmarks, plans, pattern files (1 MiB; the
    /// real ones hold a few kilobytes).
    public static let jsonBytes = 1 << 20

    /// The bytes of a small file read whole, or a `FileProblem` naming it: missing,
    /// unreadable, or larger than `limit` (what it is, e.g. "a capture.json", for the message).
    public static func read(_ url: URL, limit: Int = jsonBytes, what: String) throws -> Data {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw FileProblem.system(file: url.path, doing: "cannot be read", errno: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw FileProblem(file: url.path, problem: "is not a file") }
        guard Int(info.st_size) <= limit else {
            throw FileProblem(file: url.path, problem: "holds \(info.st_size) bytes; \(what) is at most \(limit) bytes")
        }
        do { return try Data(contentsOf: url) } catch {
            throw FileProblem(file: url.path, problem: "cannot be read")
        }
    }
}
