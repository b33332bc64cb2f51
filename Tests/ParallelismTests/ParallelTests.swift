import Foundation
import Parallelism
import Testing

/// `Parallel.perform` visits every index exactly once at every width, and the width set by
/// `withWidth` holds inside nested loops.
@Suite struct ParallelTests {
    /// Counts visits per index (each index is its own slot, so no two threads share one).
    final class Visits: @unchecked Sendable {
        var counts: UnsafeMutableBufferPointer<Int>
        init(_ n: Int) { counts = .allocate(capacity: n); counts.initialize(repeating: 0) }
        deinit { counts.deallocate() }
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func everyIndexOnceAtEveryWidth(width: Int) {
        for n in [0, 1, 2, 5, 63, 64, 1000] {
            let visits = Visits(n)
            Parallel.withWidth(width) {
                Parallel.perform(iterations: n) { i in visits.counts[i] += 1 }
            }
            #expect(visits.counts.allSatisfy { $0 == 1 }, "width \(width), \(n) iterations")
        }
    }

    @Test func widthOneRunsOnTheCallingThread() {
        let caller = pthread_self()
        final class Seen: @unchecked Sendable { var others = 0 }
        let seen = Seen()
        Parallel.withWidth(1) {
            #expect(Parallel.effectiveWidth == 1)
            Parallel.perform(iterations: 100) { _ in if pthread_equal(pthread_self(), caller) == 0 { seen.others += 1 } }
        }
        #expect(seen.others == 0)
    }

    @Test func nestedLoopsKeepTheWidth() {
        let cores = Parallel.availableCores
        let visits = Visits(16 * 16)
        let widths = Visits(16)
        Parallel.withWidth(1) {
            Parallel.perform(iterations: 16) { i in
                widths.counts[i] = Parallel.effectiveWidth
                Parallel.perform(iterations: 16) { j in visits.counts[i * 16 + j] += 1 }
            }
        }
        #expect(visits.counts.allSatisfy { $0 == 1 })
        #expect(widths.counts.allSatisfy { $0 == 1 })
        #expect(Parallel.effectiveWidth == cores, "outside withWidth every core is used")
        #expect(Parallel.withWidth(1_000) { Parallel.effectiveWidth } == cores, "never wider than the machine")
        #expect(Parallel.withWidth(0) { Parallel.effectiveWidth } == 1)
    }

    @Test func affinityListsAreCounted() {
        func count(_ list: String) -> Int? { Parallel.allowedCPUs(status: "Name:\tx\nCpus_allowed:\tf\nCpus_allowed_list:\t\(list)\nMems_allowed:\t1\n") }
        #expect(count("0") == 1)
        #expect(count("0-1") == 2)
        #expect(count("0-3,8,10-11") == 7)
        #expect(count("x") == nil)
        #expect(Parallel.allowedCPUs(status: "Name:\tx\n") == nil)
        #expect(Parallel.allowedCPUs(status: nil) == nil)
    }
}

/// `Array(parallelRepeating:count:)` equals `Array(repeating:count:)` at every size: empty,
/// one slice, and many slices whose bounds do not divide the count.
struct ParallelFillTests {
    @Test(arguments: [0, 1, 65_535, 65_536 * 3 + 7, 5_013_504])
    func fillsLikeRepeating(count: Int) {
        #expect([Int32](parallelRepeating: -7, count: count) == [Int32](repeating: -7, count: count))
        #expect([SIMD3<Float>](parallelRepeating: SIMD3(1, 2, 3), count: count) == [SIMD3<Float>](repeating: SIMD3(1, 2, 3), count: count))
    }
}

/// `Parallel.map` returns every index's result in index order.
struct ParallelMapTests {
    @Test(arguments: [0, 1, 7, 1000])
    func resultsComeBackInIndexOrder(iterations: Int) {
        #expect(Parallel.map(iterations: iterations) { $0 * $0 } == (0..<iterations).map { $0 * $0 })
    }
}
