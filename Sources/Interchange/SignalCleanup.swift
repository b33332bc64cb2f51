import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Removes partial output when the process is interrupted (SIGINT, SIGTERM, SIGHUP): a
/// staging folder of decrypted files, a half-written archive. The process then ends on the
/// same signal, so its parent sees why. SIGKILL and power cuts cannot be caught: what they
/// leave is named `.<name>.partial-<pid>` and swept by the next run (`PrivateFile`).
///
/// The handler does only what is safe in a signal handler: for each registered path,
/// prepared in advance as C strings, it forks `/bin/rm -rf PATH` and waits for it. The
/// handlers are installed (and the signals unblocked on the calling thread: a parent may
/// start this process with them blocked) on the first `remove`, and only then, so commands
/// that handle signals themselves (`batch`) are untouched.
public enum SignalCleanup {
    public struct Token: Sendable, Hashable { let slot: Int }

    /// The most paths registered at once.
    static let slots = 8
    /// Per slot, a NULL-terminated argv for `rm -rf PATH`, or nil.
    nonisolated(unsafe) static var argvs = [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?](repeating: nil, count: slots)
    nonisolated(unsafe) static var installed = false
    static let lock = NSLock()

    /// Removes `url` (a file or a folder tree) if the process is interrupted before
    /// `forget(_:)` is called with the returned token.
    public static func remove(_ url: URL) -> Token {
        lock.lock(); defer { lock.unlock() }
        if !installed {
            installed = true
            var set = sigset_t()
            sigemptyset(&set)
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                sigaddset(&set, sig)
                signal(sig, SignalCleanup.handler)
            }
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
        guard let slot = argvs.firstIndex(where: { $0 == nil }) else { return Token(slot: -1) }
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 4)
        argv[0] = strdup("rm"); argv[1] = strdup("-rf"); argv[2] = strdup(url.path); argv[3] = nil
        argvs[slot] = argv
        return Token(slot: slot)
    }

    /// `url` is complete (or already removed): no longer removed on a signal.
    public static func forget(_ token: Token) {
        lock.lock(); defer { lock.unlock() }
        guard argvs.indices.contains(token.slot), let argv = argvs[token.slot] else { return }
        argvs[token.slot] = nil
        for i in 0..<3 { free(argv[i]) }
        argv.deallocate()
    }

    /// The signal handler: async-signal-safe calls only (fork, execv, waitpid, write, raise).
    static let handler: @convention(c) (Int32) -> Void = { sig in
        for argv in SignalCleanup.argvs {
            guard let argv else { continue }
            let child = fork()
            if child == 0 {
                execv("/bin/rm", argv)
                _exit(127)
            }
            if child > 0 {
                var status: Int32 = 0
                _ = waitpid(child, &status, 0)
            }
        }
        let note = "interrupted: partial output removed\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
        signal(sig, SIG_DFL)
        raise(sig)
    }
}
