import Foundation

extension Array where Element: Sendable {
    /// `count` copies of `value`, written in slices by `Parallel`'s workers. For buffers of
    /// millions of elements made just before a parallel loop fills them: on one core the
    /// filling, most of it the kernel zeroing fresh pages, held up those stages (5 MP
    /// pairs' outputs: ~1/3 of the triangulation and normals stage, issue 22).
    public init(parallelRepeating value: Element, count: Int) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = SlicePointer(buffer.baseAddress)
            let slices = Swift.max(1, Swift.min(64, count >> 16))
            Parallel.perform(iterations: slices) { s in
                let lo = s * count / slices, hi = (s + 1) * count / slices
                (base.pointer! + lo).initialize(repeating: value, count: hi - lo)
            }
            initialized = count
        }
    }
}

/// A buffer's base handed to the workers, each of which writes its own slice.
private struct SlicePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}

extension Parallel {
    /// `body(i)` for each index in `0..<iterations`, computed as `perform` does and returned in
    /// index order: the one place parallel workers hand back results, instead of a slot class
    /// per caller.
    public static func map<T: Sendable>(iterations: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = ResultSlots<T>(iterations)
        perform(iterations: iterations) { i in slots.set(i, body(i)) }
        return slots.values.map { $0! }
    }
}

/// One slot per index, each written once by its worker.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]
    init(_ count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ value: T) { lock.lock(); slots[k] = value; lock.unlock() }
    var values: [T?] { lock.lock(); defer { lock.unlock() }; return slots }
}
