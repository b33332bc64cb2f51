import Foundation
import Parallelism

/// A signed distance to the surface an oriented point cloud samples, on a sparse grid:
/// only the grid corners within `radius` of some point hold a value, in blocks of 8³
/// corners, so memory follows the surface rather than its bounding box.
///
/// At a corner x the distance is the weighted mean of the points' tangent-plane distances,
/// f(x) = Σ wᵢ nᵢ·(x − pᵢ) / Σ wᵢ, with wᵢ = (1 − |x − pᵢ|²/r²)² (compact support r):
/// positive on the side the normals point to (outside, toward the cameras), negative
/// behind. Averaging many points' planes removes most of their noise; on a surface of
/// curvature radius R the value is biased by about −⟨d²⟩/2R (≈ 0.003 mm for r = 1 mm on
/// R = 100 mm). Corners past the edge of the data, where the weighted centroid of the
/// points lies more than half the support sideways, are left undefined: the open mesh stops
/// there instead of extrapolating the tangent plane.
public struct SignedDistanceGrid: Sendable {
    /// Corners per block edge.
    static let blockSide = 8
    static let blockCorners = 512

    /// Grid spacing (mm); corner (i, j, k) sits at (i, j, k) × spacing in the cloud's frame.
    public let spacing: Double
    /// Support radius of each point (mm).
    public let radius: Double

    /// Block coordinates → block number.
    var blockIndex = FlatMap<SIMD3<Int32>>()
    var blockKeys: [SIMD3<Int32>] = []
    /// Per corner, `blockCorners` per block in block order: signed distance (NaN where
    /// undefined), mean normal (not normalized), mean colour.
    var distance: [Float] = []
    var normal: [SIMD3<Float>] = []
    var color: [SIMD3<Float>] = []

    /// Defined corners.
    public private(set) var definedCorners = 0

    /// Builds the field from positions (mm), unit normals pointing outside and optional
    /// 8-bit colours. `minimumWeight` is the total weight a corner needs (one point at the
    /// corner weighs 1).
    public init(positions: [SIMD3<Float>], normals: [SIMD3<Float>], colors: [SIMD3<UInt8>]? = nil,
                spacing: Double, radius: Double, minimumWeight: Double = 3) {
        precondition(positions.count == normals.count, "one normal per point")
        precondition(colors == nil || colors!.count == positions.count, "one colour per point")
        precondition(spacing > 0 && radius >= spacing, "the support radius must be at least the spacing")
        self.spacing = spacing; self.radius = radius
        // Points are first pooled per cube of one spacing (mean position, normal and colour,
        // weighted by their number): 5 MP captures give several points per cube, and the
        // pooled planes differ from the originals by far less than their noise.
        let (positions, normals, colors, counts) = Self.pooled(positions, normals, colors, size: spacing)
        let h = Float(spacing), r = Float(radius), r2 = r * r
        let hasColor = colors != nil
        // Which blocks each point reaches: (block, point) pairs, then grouped by block
        // (counting sort) so that each block gathers its points on its own thread.
        var pairs: [SIMD2<Int32>] = []
        pairs.reserveCapacity(positions.count * 2)
        for p in positions.indices {
            let q = positions[p]
            let blo = SIMD3<Int32>(((q - r) / h).rounded(.up)) &>> 3, bhi = SIMD3<Int32>(((q + r) / h).rounded(.down)) &>> 3
            for bz in blo.z...bhi.z {
                for by in blo.y...bhi.y {
                    for bx in blo.x...bhi.x {
                        let key = SIMD3(bx, by, bz)
                        let b: Int32
                        if let existing = blockIndex[key] { b = existing } else {
                            b = Int32(blockKeys.count); blockIndex.insert(key, b); blockKeys.append(key)
                        }
                        pairs.append(SIMD2(b, Int32(p)))
                    }
                }
            }
        }
        let blocks = blockKeys.count
        var first = [Int](repeating: 0, count: blocks + 1)
        for pair in pairs { first[Int(pair.x) + 1] += 1 }
        for b in 0..<blocks { first[b + 1] += first[b] }
        var members = [Int32](repeating: 0, count: pairs.count)
        var fill = first
        for pair in pairs { members[fill[Int(pair.x)]] = pair.y; fill[Int(pair.x)] += 1 }
        pairs = []

        let m = Self.blockCorners
        distance = [Float](repeating: .nan, count: blocks * m)
        normal = [SIMD3<Float>](repeating: .zero, count: blocks * m)
        color = hasColor ? [SIMD3<Float>](repeating: .zero, count: blocks * m) : []
        let chunks = min(blocks, 64)
        let defined = SharedCounts(chunks)
        let keys = blockKeys, starts = first, grouped = members
        distance.withUnsafeMutableBufferPointer { distance in
        normal.withUnsafeMutableBufferPointer { normal in
        color.withUnsafeMutableBufferPointer { color in
            let out = UnsafeFieldBuffers(distance: distance, normal: normal, color: color)
            Parallel.perform(iterations: chunks) { chunk in
                var accumulator = BlockAccumulator(hasColor: hasColor)
                var count = 0
                for b in stride(from: chunk, to: blocks, by: chunks) {
                    accumulator.reset()
                    grouped[starts[b]..<starts[b + 1]].withUnsafeBufferPointer { list in
                        accumulator.gather(list, positions: positions, normals: normals, colors: colors, counts: counts,
                                           base: keys[b] &<< 3, spacing: h, radius: r)
                    }
                    count += accumulator.finish(into: out, at: b * m, minimumWeight: Float(minimumWeight), sideways2: 0.25 * r2)
                }
                defined.set(chunk, count)
            }
        }}}
        definedCorners = defined.total
    }

    /// Mean point per occupied cube of `size` mm, with the number pooled.
    static func pooled(_ positions: [SIMD3<Float>], _ normals: [SIMD3<Float>], _ colors: [SIMD3<UInt8>]?, size: Double)
        -> ([SIMD3<Float>], [SIMD3<Float>], [SIMD3<Float>]?, [Float]) {
        var cell = FlatMap<SIMD3<Int32>>(capacity: positions.count / 2)
        var p: [SIMD3<Double>] = [], n: [SIMD3<Float>] = [], c: [SIMD3<Float>] = [], m: [Float] = []
        let inverse = 1 / size
        for i in positions.indices {
            let q = positions[i]
            guard q.x.isFinite, q.y.isFinite, q.z.isFinite, normals[i].x.isFinite else { continue }
            let key = SIMD3<Int32>((SIMD3<Double>(q) * inverse).rounded(.down))
            let k: Int
            if let existing = cell[key] { k = Int(existing) } else {
                k = p.count; cell.insert(key, Int32(k))
                p.append(.zero); n.append(.zero); m.append(0)
                if colors != nil { c.append(.zero) }
            }
            p[k] += SIMD3<Double>(q); n[k] += normals[i]; m[k] += 1
            if let colors { c[k] += SIMD3<Float>(colors[i]) }
        }
        var outP = [SIMD3<Float>](), outN = [SIMD3<Float>]()
        outP.reserveCapacity(p.count); outN.reserveCapacity(p.count)
        for k in p.indices {
            outP.append(SIMD3<Float>(p[k] / Double(m[k])))
            let l = (n[k] * n[k]).sum().squareRoot()
            outN.append(l > 0 ? n[k] / l : SIMD3(.nan, .nan, .nan))
            if colors != nil { c[k] /= m[k] }
        }
        return (outP, outN, colors == nil ? nil : c, m)
    }

    /// Blocks allocated (each 8³ corners).
    public var blockCount: Int { blockKeys.count }
}

/// One block's sums while its points are gathered: weight, Σ w n·(x − p), Σ w (p − x),
/// Σ w n, Σ w colour per corner.
struct BlockAccumulator {
    let hasColor: Bool
    var weight = [Float](repeating: 0, count: SignedDistanceGrid.blockCorners)
    var signed = [Float](repeating: 0, count: SignedDistanceGrid.blockCorners)
    var offset = [SIMD3<Float>](repeating: .zero, count: SignedDistanceGrid.blockCorners)
    var normal = [SIMD3<Float>](repeating: .zero, count: SignedDistanceGrid.blockCorners)
    var color = [SIMD3<Float>](repeating: .zero, count: SignedDistanceGrid.blockCorners)

    init(hasColor: Bool) { self.hasColor = hasColor }

    mutating func reset() {
        for i in 0..<SignedDistanceGrid.blockCorners { weight[i] = 0; signed[i] = 0; offset[i] = .zero; normal[i] = .zero; color[i] = .zero }
    }

    /// Adds the points in `list` to the corners of the block whose first corner is `base`.
    mutating func gather(_ list: UnsafeBufferPointer<Int32>, positions: [SIMD3<Float>], normals: [SIMD3<Float>], colors: [SIMD3<Float>]?,
                         counts: [Float], base: SIMD3<Int32>, spacing h: Float, radius r: Float) {
        let n = SignedDistanceGrid.blockSide, r2 = r * r, inverseR2 = 1 / r2
        let top = base &+ Int32(n - 1)
        let hasColor = self.hasColor
        weight.withUnsafeMutableBufferPointer { weight in
        signed.withUnsafeMutableBufferPointer { signed in
        offset.withUnsafeMutableBufferPointer { offset in
        normal.withUnsafeMutableBufferPointer { normalSum in
        color.withUnsafeMutableBufferPointer { colorSum in
            for p in list {
                let q = positions[Int(p)], nq = normals[Int(p)], mq = counts[Int(p)]
                let cq = hasColor ? colors![Int(p)] : .zero
                let from = pointwiseMax(SIMD3<Int32>(((q - r) / h).rounded(.up)), base)
                let to = pointwiseMin(SIMD3<Int32>(((q + r) / h).rounded(.down)), top)
                guard from.x <= to.x, from.y <= to.y, from.z <= to.z else { continue }
                for k in from.z...to.z {
                    let dz = Float(k) * h - q.z
                    for j in from.y...to.y {
                        let dy = Float(j) * h - q.y
                        let dyz = dy * dy + dz * dz
                        if dyz >= r2 { continue }
                        let row = Int(k - base.z) * n * n + Int(j - base.y) * n - Int(base.x)
                        for i in from.x...to.x {
                            let dx = Float(i) * h - q.x
                            let d2 = dx * dx + dyz
                            if d2 >= r2 { continue }
                            let t = 1 - d2 * inverseR2, w = mq * t * t
                            let c = row + Int(i)
                            let e = SIMD3(dx, dy, dz)
                            weight[c] += w
                            signed[c] += w * (nq * e).sum()
                            offset[c] -= w * e
                            normalSum[c] += w * nq
                            if hasColor { colorSum[c] += w * cq }
                        }
                    }
                }
            }
        }}}}}
    }

    /// Writes the block's field: f = Σ w n·(x − p) / Σ w where the corner is well supported
    /// and the points' centroid lies within the sideways limit of it. Returns corners defined.
    func finish(into out: UnsafeFieldBuffers, at start: Int, minimumWeight: Float, sideways2: Float) -> Int {
        var defined = 0
        for c in 0..<SignedDistanceGrid.blockCorners {
            let w = weight[c]
            out.normal[start + c] = normal[c]
            guard w >= minimumWeight else { continue }
            let m = normal[c], mm = (m * m).sum()
            guard mm > 0 else { continue }
            let centroid = offset[c] / w  // p̄ − x
            let along = (centroid * m).sum() / mm.squareRoot()
            guard (centroid * centroid).sum() - along * along <= sideways2 else { continue }
            out.distance[start + c] = signed[c] / w
            if hasColor { out.color[start + c] = color[c] / w }
            defined += 1
        }
        return defined
    }
}

/// The field's output arrays, written by block from parallel workers (each block by one).
struct UnsafeFieldBuffers: @unchecked Sendable {
    let distance: UnsafeMutableBufferPointer<Float>
    let normal: UnsafeMutableBufferPointer<SIMD3<Float>>
    let color: UnsafeMutableBufferPointer<SIMD3<Float>>
}

/// Per-worker counts, summed at the end.
final class SharedCounts: @unchecked Sendable {
    private var values: [Int]
    private let lock = NSLock()
    init(_ n: Int) { values = Array(repeating: 0, count: n) }
    func set(_ i: Int, _ v: Int) { lock.lock(); values[i] = v; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return values.reduce(0, +) }
}
