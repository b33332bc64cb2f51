import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Removes partial output when the process is interrupted (SIGINT, SIGTERM, SIGHUP): a
/// staging folder of decrypted files, a half-written archive. The process then ends on the
/// same signal, so its parent sees why. SIGKILL and power cuts cannot be caught: what they
/// leave is named `.<name>.partial-<pid>` and swept by the next run (`PrivateFile`).
///
/// The signal handler only writes the signal's number to a pipe (async-signal-safe: it may
/// interrupt malloc, so it must not allocate, lock or fork); a thread waiting on the pipe
/// removes the registered paths and ends the process. The handlers are installed (and the
/// signals unblocked on the calling thread: a parent may start this process with them
/// blocked) on the first `remove`, and only then, so commands that handle signals
/// themselves (`batch`) are untouched.
public enum SignalCleanup {
    public struct Token: Sendable, Hashable { let id: Int }

    nonisolated(unsafe) static var pending: [Int: URL] = [:]
    nonisolated(unsafe) static var next = 0
    nonisolated(unsafe) static var installed = false
    /// The pipe's write end, read by the signal handler.
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    static let lock = NSLock()

    /// Removes `url` (a file or a folder tree) if the process is interrupted before
    /// `forget(_:)` is called with the returned token. Register before creating `url`.
    public static func remove(_ url: URL) -> Token {
        lock.lock(); defer { lock.unlock() }
        if !installed { install() }
        next += 1
        pending[next] = url
        return Token(id: next)
    }

    /// `url` is complete (or already removed): no longer removed on a signal.
    public static func forget(_ token: Token) {
        lock.lock(); defer { lock.unlock() }
        pending[token.id] = nil
    }

    static func install() {
        installed = true
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        writeEnd = fds[1]
        let readEnd = fds[0]
        Thread.detachNewThread {
            var sig: Int32 = 0
            while read(readEnd, &sig, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {
                if errno != EINTR { return }
            }
            interrupted(by: sig)
        }
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            sigaddset(&set, sig)
            signal(sig, SignalCleanup.handler)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal handler: one write(2), nothing else.
    static let handler: @convention(c) (Int32) -> Void = { sig in
        var s = sig
        _ = write(SignalCleanup.writeEnd, &s, MemoryLayout<Int32>.size)
    }

    static func interrupted(by sig: Int32) {
        lock.lock()
        for url in pending.values { try? FileManager.default.removeItem(at: url) }
        FileHandle.standardError.write(Data("interrupted: partial output removed\n".utf8))
        signal(sig, SIG_DFL)
        kill(getpid(), sig)
        lock.unlock()
    }
}
