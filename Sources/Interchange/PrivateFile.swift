import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold patient data, written so that nothing is half-written or readable by
/// others: created 0600 (folders 0700) whatever the umask, written to a temporary name in
/// the same folder, fsynced, renamed into place, and the folder fsynced. A run killed midway
/// leaves only `.<name>.partial-<pid>` temporaries, which `sweepOrphans` removes.
public enum PrivateFile {
    /// Permissions of files and folders holding patient data.
    public static let fileMode: mode_t = 0o600
    public static let folderMode: mode_t = 0o700

    /// Writes `bytes` to `url` atomically with mode 0600.
    /// - Throws: `PrivateFileError` naming the file and what failed.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw FileProblem.system(file: url.path, doing: "cannot be created", errno: errno) }
        var ok = false
        defer { if !ok { unlink(temporary.path) } }
        // The umask may have cleared bits we want, never added any; set the mode exactly.
        guard fchmod(fd, fileMode) == 0 else { let code = errno; close(fd); throw FileProblem.system(file: url.path, doing: "cannot set its permissions", errno: code) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                let code = errno; close(fd)
                throw FileProblem.system(file: url.path, doing: "cannot be written", errno: code)
            }
            written += n
        }
        guard fsync(fd) == 0, close(fd) == 0 else { throw FileProblem.system(file: url.path, doing: "cannot be flushed to disk", errno: errno) }
        guard rename(temporary.path, url.path) == 0 else {
            throw FileProblem.system(file: url.path, doing: "cannot be put in place", errno: errno)
        }
        ok = true
        syncFolder(folder)
    }

    /// A patient-data file written piece by piece (for output too large to hold in memory):
    /// bytes go to `.<name>.partial-<pid>` (0600) beside `url`; `commit()` fsyncs, renames
    /// and fsyncs the folder; `abandon()` (or dropping it uncommitted) removes the temporary.
    public final class Stream {
        public let url: URL
        /// The temporary beside `url` (`.<name>.partial-<pid>`) the bytes go to until `commit()`.
        public let temporary: URL
        var fd: Int32
        var committed = false

        /// Creates the temporary file. - Throws: `PrivateFileError` naming `url`.
        public init(to url: URL) throws {
            self.url = url
            temporary = PrivateFile.temporary(for: url)
            fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, PrivateFile.fileMode)
            guard fd >= 0 else { throw FileProblem.system(file: url.path, doing: "cannot be created", errno: errno) }
            guard fchmod(fd, PrivateFile.fileMode) == 0 else {
                let code = errno; close(fd); unlink(temporary.path)
                throw FileProblem.system(file: url.path, doing: "cannot set its permissions", errno: code)
            }
        }

        /// Appends `bytes`. - Throws: `PrivateFileError` (disk full, I/O error).
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
                guard n > 0 else {
                    if n < 0, errno == EINTR { continue }
                    throw FileProblem.system(file: url.path, doing: "cannot be written", errno: errno)
                }
                written += n
            }
        }

        public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

        /// Flushes to disk and renames the file into place.
        public func commit() throws {
            guard !committed else { return }
            guard fsync(fd) == 0, close(fd) == 0 else {
                let code = errno; fd = -1; abandon()
                throw FileProblem.system(file: url.path, doing: "cannot be flushed to disk", errno: code)
            }
            fd = -1
            guard rename(temporary.path, url.path) == 0 else {
                let code = errno; abandon()
                throw FileProblem.system(file: url.path, doing: "cannot be put in place", errno: code)
            }
            committed = true
            PrivateFile.syncFolder(url.deletingLastPathComponent())
        }

        /// Removes the temporary; the destination is left as it was.
        public func abandon() {
            guard !committed else { return }
            if fd >= 0 { close(fd); fd = -1 }
            unlink(temporary.path)
            committed = true
        }

        deinit { abandon() }
    }

    /// Where this process writes `url` before renaming it into place: `.<name>.partial-<pid>`
    /// beside it (for `Stream`, and for registering its removal before it exists).
    public static func temporary(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
    }

    /// Removes a folder and everything in it (a staging folder that will not be used).
    public static func removeTree(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Creates `url` (and missing parents) with mode 0700 whatever the umask.
    public static func makeFolder(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FileProblem(file: url.path, problem: "is a file, not a folder") }
            return
        }
        try makeFolder(url.deletingLastPathComponent())
        guard mkdir(url.path, folderMode) == 0 || errno == EEXIST, chmod(url.path, folderMode) == 0 else {
            throw FileProblem.system(file: url.path, doing: "cannot be created", errno: errno)
        }
    }

    /// Removes temporaries (`.<name>.partial-<pid>`, files or staging folders) left in
    /// `folder` by runs that were killed — those whose process no longer exists. Returns
    /// their names.
    @discardableResult
    public static func sweepOrphans(in folder: URL) -> [String] {
        sweep(folder) { _ in true }
    }

    /// Removes the temporaries of `url` (`.<name>.partial-<pid>` beside it, files or
    /// staging folders) left by killed runs: those whose process no longer exists. A command
    /// calls it before it writes `url`, so that a run killed by SIGKILL or a power cut leaves
    /// its partial output only until the next run. Returns their names.
    @discardableResult
    public static func sweepPartials(of url: URL) -> [String] {
        let prefix = ".\(url.lastPathComponent).partial-"
        return sweep(url.deletingLastPathComponent()) { $0.hasPrefix(prefix) }
    }

    static func sweep(_ folder: URL, where wanted: (String) -> Bool) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for name in names where wanted(name) && isOrphan(name) {
            let url = folder.appendingPathComponent(name)
            if unlink(url.path) == 0 || (try? FileManager.default.removeItem(at: url)) != nil { removed.append(name) }
        }
        return removed
    }

    /// Whether the process that named a temporary `.<name>.partial-<pid>` is gone.
    public static func isOrphan(_ name: String) -> Bool {
        guard name.hasPrefix("."), let range = name.range(of: ".partial-", options: .backwards),
              let pid = Int32(name[range.upperBound...]) else { return false }
        return !(pid == getpid() || kill(pid, 0) == 0 || errno == EPERM)
    }

    /// fsyncs a folder, so that a rename in it survives a crash.
    public static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// A patient-data file that could not be written: the input's fault where the path is
/// (a missing folder, no permission), the work's where the disk is (full, I/O error).
public typealias PrivateFileError = FileProblem
