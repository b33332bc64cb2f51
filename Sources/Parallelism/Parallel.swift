import Dispatch
import Foundation

/// The pipeline's data-parallel loops, with a width the caller can narrow.
///
/// Every hot loop (remap, census, cost aggregation, triangulation, meshing) runs through
/// `Parallel.perform`, so one setting decides how many cores a reconstruction uses. A single
/// reconstruction uses them all; `trinocular batch` runs several captures at once, each with a
/// width of one, because independent cases scale better than one case's loops (which share
/// memory bandwidth and wait at every stage's end).
///
/// The width is a task-local value: it holds for the code run inside `withWidth` on the
/// calling thread (and its tasks), so cases running side by side can differ.
public enum Parallel {
    /// Threads a loop may use; nil means every active processor.
    @TaskLocal public static var width: Int?

    /// Runs `operation` with the loops inside it limited to `width` threads (at least 1).
    public static func withWidth<R>(_ width: Int, _ operation: () throws -> R) rethrows -> R {
        try $width.withValue(max(1, width), operation: operation)
    }

    /// The number of threads loops started here will use.
    public static var effectiveWidth: Int { min(width ?? availableCores, availableCores) }

    /// The cores this process may run on: its CPU affinity on Linux (a Slurm allocation or
    /// `taskset` narrows it), else the machine's active processors.
    public static let availableCores: Int = {
        let active = ProcessInfo.processInfo.activeProcessorCount
        if let allowed = allowedCPUs(), allowed > 0 { return min(allowed, active) }
        return active
    }()

    /// The count of CPUs in /proc/self/status's `Cpus_allowed_list` (e.g. "0-3,8"), where
    /// Linux publishes the process's affinity; nil elsewhere.
    public static func allowedCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> Int? {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let ends = range.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch ends.count {
            case 1: guard ends[0] != nil else { return nil }; count += 1
            case 2: guard let a = ends[0], let b = ends[1], b >= a else { return nil }; count += b - a + 1
            default: return nil
            }
        }
        return count
    }

    /// Calls `body` once for each index in `0..<iterations`, on up to `effectiveWidth` threads,
    /// and returns when all calls have. The calls' order is unspecified; each must touch only
    /// its own part of the output (partition by index, never by thread count, so results do
    /// not depend on the width).
    public static func perform(iterations: Int, _ body: @Sendable (Int) -> Void) {
        guard iterations > 0 else { return }
        let threads = min(effectiveWidth, iterations)
        if threads <= 1 {
            for i in 0..<iterations { body(i) }
        } else if threads >= ProcessInfo.processInfo.activeProcessorCount {
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        } else {
            // Narrower than the machine: `threads` workers, each taking every threads-th index.
            // Nested loops in the workers keep the same width.
            let width = threads
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                $width.withValue(width) {
                    var i = t
                    while i < iterations { body(i); i += threads }
                }
            }
        }
    }
}
