/// A key a `FlatMap` can hold: equality and 64 bits that tell keys apart.
public protocol FlatKey: Equatable, Sendable {
    /// Bits mixed into the slot; equal keys give equal bits.
    var flatBits: UInt64 { get }
    /// Any value: what empty slots hold.
    static var unused: Self { get }
}

extension UInt64: FlatKey {
    public var flatBits: UInt64 { self }
    public static var unused: UInt64 { 0 }
}

extension SIMD3: FlatKey where Scalar == Int32 {
    public var flatBits: UInt64 {
        UInt64(UInt32(bitPattern: x)) ^ (UInt64(UInt32(bitPattern: y)) << 21) ^ (UInt64(UInt32(bitPattern: z)) << 42)
    }
    public static var unused: SIMD3<Int32> { .zero }
}

/// Key → non-negative index, open addressing with linear probing and a multiplicative
/// (Fibonacci) hash. For the meshing stage's lookups — points pooled per grid cube, blocks
/// per point, vertices per cell edge: millions per 5 MP capture — where `Dictionary`'s
/// seeded SipHash took most of the time (issue 22). Nothing iterates it, so its order
/// cannot leak into a result.
public struct FlatMap<Key: FlatKey>: Sendable {
    private var keys: [Key]
    /// The index stored under each slot's key; −1 where the slot is empty.
    private var values: [Int32]
    private var shift: UInt64
    public private(set) var count = 0

    /// Room for `capacity` keys before the first growth.
    public init(capacity: Int = 0) {
        var slots = 16
        while 3 * slots < 4 * capacity { slots <<= 1 }
        keys = Array(repeating: .unused, count: slots)
        values = Array(repeating: -1, count: slots)
        shift = UInt64(64 - slots.trailingZeroBitCount)
    }

    @inline(__always)
    private func slot(_ key: Key) -> Int { Int(truncatingIfNeeded: (key.flatBits &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The index stored under `key`, or nil.
    public subscript(key: Key) -> Int32? {
        let mask = values.count - 1
        var i = slot(key)
        while true {
            let v = values[i]
            if v < 0 { return nil }
            if keys[i] == key { return v }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` (≥ 0) under `key`, which must not be present.
    public mutating func insert(_ key: Key, _ value: Int32) {
        precondition(value >= 0, "FlatMap stores non-negative indices")
        if 4 * (count + 1) > 3 * values.count { grow() }  // at most 3/4 full
        let mask = values.count - 1
        var i = slot(key)
        while values[i] >= 0 { i = (i + 1) & mask }
        keys[i] = key; values[i] = value
        count += 1
    }

    private mutating func grow() {
        let old = (keys, values)
        keys = Array(repeating: .unused, count: 2 * old.0.count)
        values = Array(repeating: -1, count: 2 * old.1.count)
        shift -= 1
        count = 0
        for i in old.1.indices where old.1[i] >= 0 { insert(old.0[i], old.1[i]) }
    }
}
