/// A projected-speckle-like solid texture: seeded 3D value noise in two octaves (features
/// ~1.5 mm and ~0.75 mm) pushed through a contrast curve, so that every camera sees the
/// same speckle on the surface — what a speckle projector gives skin. Albedo in 0.08…0.92.
public struct SolidTexture: Sendable {
    /// Size of the coarse features, mm.
    public var featureSize: Double
    public var seed: UInt32

    public init(featureSize: Double = 1.5, seed: UInt64 = 1) {
        self.featureSize = featureSize
        self.seed = UInt32(truncatingIfNeeded: seed ^ (seed >> 32)) &* 0x9E37_79B1 | 1
    }

    /// Albedo at a point (subject frame, mm).
    public func albedo(_ p: SIMD3<Double>) -> Double {
        let q = p / featureSize
        let n = 0.65 * valueNoise(q) + 0.35 * valueNoise(2.03 * q + SIMD3(17.1, 3.7, 9.2))
        // Contrast curve: speckle-like dots rather than a soft cloud.
        let t = min(max((n - 0.5) * 2.6 + 0.5, 0), 1)
        return 0.08 + 0.84 * t * t * (3 - 2 * t)
    }
    func valueNoise(_ q: SIMD3<Double>) -> Double {
        let f = SIMD3(q.x.rounded(.down), q.y.rounded(.down), q.z.rounded(.down))
        var t = q - f
        t = t * t * (3 - 2 * t)
        let i = Int32(truncatingIfNeeded: Int(f.x)), j = Int32(truncatingIfNeeded: Int(f.y)), k = Int32(truncatingIfNeeded: Int(f.z))
        let c000 = lattice(i, j, k), c100 = lattice(i &+ 1, j, k)
        let c010 = lattice(i, j &+ 1, k), c110 = lattice(i &+ 1, j &+ 1, k)
        let c001 = lattice(i, j, k &+ 1), c101 = lattice(i &+ 1, j, k &+ 1)
        let c011 = lattice(i, j &+ 1, k &+ 1), c111 = lattice(i &+ 1, j &+ 1, k &+ 1)
        let x00 = c000 + t.x * (c100 - c000), x10 = c010 + t.x * (c110 - c010)
        let x01 = c001 + t.x * (c101 - c001), x11 = c011 + t.x * (c111 - c011)
        let y0 = x00 + t.y * (x10 - x00), y1 = x01 + t.y * (x11 - x01)
        return y0 + t.z * (y1 - y0)
    }

    /// A pseudo-random value in [0, 1] per lattice point (integer hash; same everywhere).
    func lattice(_ i: Int32, _ j: Int32, _ k: Int32) -> Double {
        var h = UInt32(bitPattern: i) &* 0x8DA6_B343 ^ UInt32(bitPattern: j) &* 0xD816_3841 ^ UInt32(bitPattern: k) &* 0xCB1A_B31F ^ seed
        h ^= h >> 16; h = h &* 0x7FEB_352D
        h ^= h >> 15; h = h &* 0x846C_A68B
        h ^= h >> 16
        return Double(h) * (1 / 4_294_967_295.0)
    }
}
