/// A priority queue of collapses by cost for a bounded decimation: costs (≥ 0) up to
/// `bound` fall in buckets eight to an octave (the top bits of the Double's exponent and
/// mantissa), so push and pop cost O(1) and each bucket is a contiguous stack — where a
/// binary heap of millions of entries spent most of its time on cache misses. Costs
/// above the bound are dropped (no collapse may exceed it); costs below 2⁻⁴⁰ × bound share
/// the first bucket. Order within a bucket (costs within 9 % of each other) is last in,
/// first out.
struct CostBuckets<Element> {
    private var buckets: [[Element]]
    private var lowest: Int
    private let bound: Double
    private let floorKey: UInt64
    private(set) var count = 0

    init(bound: Double) {
        self.bound = bound
        let floor = bound * 0x1p-40
        floorKey = Self.key(floor)
        buckets = Array(repeating: [], count: Int(Self.key(bound) - floorKey) + 2)
        lowest = buckets.count
    }

    /// Sign, exponent and three mantissa bits: monotonic in the value for positive doubles.
    private static func key(_ cost: Double) -> UInt64 { cost.bitPattern >> 49 }

    mutating func push(_ cost: Double, _ element: Element) {
        guard cost <= bound else { return }
        let k = Self.key(cost)
        let index = k <= floorKey ? 0 : Int(k - floorKey)
        buckets[index].append(element)
        lowest = min(lowest, index)
        count += 1
    }

    /// An element of the lowest non-empty bucket, removed; nil when empty.
    mutating func pop() -> Element? {
        while lowest < buckets.count, buckets[lowest].isEmpty { lowest += 1 }
        guard lowest < buckets.count else { return nil }
        count -= 1
        return buckets[lowest].removeLast()
    }
}
