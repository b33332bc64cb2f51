import Foundation

/// The batch's progress on stderr: on a terminal one bar redrawn in place (counts, failures,
/// ETA, the case that just ended), with failures kept as lines above it; elsewhere (a log
/// file, a Slurm job's output) one plain line per case, which reads well in a file.
final class BatchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int, before: Int, toRun: Int
    private let started = Date()
    private let onTerminal: Bool
    private(set) var done = 0, failed = 0, stoppedCount = 0

    /// `total` captures, `before` of them done by an earlier run, `toRun` to run now.
    init(total: Int, before: Int, toRun: Int, onTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total; self.before = before; self.toRun = toRun; self.onTerminal = onTerminal
        if onTerminal { draw(last: nil) }
    }

    /// Records one ended case (`error` nil when it succeeded) and shows it.
    func ended(_ name: String, seconds: Double, error: String?) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if error != nil { failed += 1 }
        let state = error.map { "failed: \($0)" } ?? String(format: "done in %.1f s", seconds)
        if onTerminal {
            if error != nil { write("\r\u{1B}[K\(name) \(state)\n") }
            draw(last: name)
        } else {
            write(String(format: "[%d/%d] %@ %@ (%d failed, ETA %@)\n", done + before, total, name, state, failed, Self.duration(eta)))
        }
    }

    /// A case stopped with its batch (Ctrl-C, SIGTERM) before its end: not recorded, run again on resume.
    func stopped(_ name: String) {
        lock.lock()
        defer { lock.unlock() }
        stoppedCount += 1
        write((onTerminal ? "\r\u{1B}[K" : "") + "\(name) stopped before its end; it runs again on resume\n")
        if onTerminal { draw(last: nil) }
    }

    /// Ends the bar's line (call once, after the last case).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if onTerminal { write("\n") }
    }

    var elapsed: Double { Date().timeIntervalSince(started) }

    /// Seconds left at the rate so far (infinite before the first case ends).
    private var eta: Double { done == 0 ? .infinity : elapsed / Double(done) * Double(toRun - done) }

    private func draw(last: String?) {
        let width = 30
        let fraction = total == 0 ? 1 : Double(done + before) / Double(total)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var line = String(format: "batch [%@] %d/%d", bar, done + before, total)
        if failed > 0 { line += ", \(failed) failed" }
        line += ", ETA \(Self.duration(eta))"
        if let last { line += " — \(last)" }
        write("\r\u{1B}[K" + line)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    /// "42s", "3m05s", "2h07m"; "?" when not finite.
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
