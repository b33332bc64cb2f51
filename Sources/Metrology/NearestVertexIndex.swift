import Surface

/// Nearest mesh vertex to a point: a k-d tree over the vertices (balanced, split at the
/// median along the widest axis, leaves of up to 8). A query costs a few dozen node visits
/// whether the point lies on the mesh or far off it — the hash grid this replaces searched
/// up to 12 rings of empty cells for every point off the mesh (a mirror image beyond the
/// surface, a moved subject in ICP's first iterations), which made `compare --mirror` take
/// minutes on a full-size mesh.
public struct NearestVertexIndex: Sendable {
    private var points: [SIMD3<Double>]
    /// The mesh's index of each point (points are reordered into the tree).
    private var ids: [Int32]
    /// The split axis (0, 1, 2) of the node whose median sits at each position.
    private var axes: [UInt8]
    private static let leaf = 8

    /// Indexes `mesh`'s vertices (mm).
    public init(_ mesh: TriangleMesh) {
        points = mesh.vertices
        ids = Array(0..<Int32(points.count))
        axes = [UInt8](repeating: 0, count: points.count)
        build(0, points.count)
    }

    /// The nearest vertex within `radius` mm of `p` (its index in the mesh and its distance,
    /// mm), if any; of equally near vertices the lowest index.
    public func nearest(to p: SIMD3<Double>, within radius: Double) -> (Int, Double)? {
        var best = -1, bestSquared = radius * radius
        search(p, 0, points.count, &best, &bestSquared)
        return best < 0 ? nil : (Int(ids[best]), bestSquared.squareRoot())
    }

    private func search(_ p: SIMD3<Double>, _ lo: Int, _ hi: Int, _ best: inout Int, _ bestSquared: inout Double) {
        if hi - lo <= Self.leaf {
            for i in lo..<hi { consider(i, p, &best, &bestSquared) }
            return
        }
        let mid = (lo + hi) / 2, axis = Int(axes[mid])
        consider(mid, p, &best, &bestSquared)
        let offset = p[axis] - points[mid][axis]
        let (near, far) = offset < 0 ? ((lo, mid), (mid + 1, hi)) : ((mid + 1, hi), (lo, mid))
        search(p, near.0, near.1, &best, &bestSquared)
        if offset * offset <= bestSquared { search(p, far.0, far.1, &best, &bestSquared) }
    }

    @inline(__always)
    private func consider(_ i: Int, _ p: SIMD3<Double>, _ best: inout Int, _ bestSquared: inout Double) {
        let d = p - points[i], squared = (d * d).sum()
        // Within the radius (inclusive) for the first, strictly nearer after; ties go to the
        // lower mesh index so the answer does not depend on the tree's order.
        if squared < bestSquared || (squared == bestSquared && (best < 0 || ids[i] < ids[best])) {
            best = i; bestSquared = squared
        }
    }

    private mutating func build(_ lo: Int, _ hi: Int) {
        guard hi - lo > Self.leaf else { return }
        var low = points[lo], high = points[lo]
        for i in lo..<hi { low = pointwiseMin(low, points[i]); high = pointwiseMax(high, points[i]) }
        let extent = high - low
        let axis = extent.x >= extent.y && extent.x >= extent.z ? 0 : extent.y >= extent.z ? 1 : 2
        let mid = (lo + hi) / 2
        select(mid, in: lo, hi, axis: axis)
        axes[mid] = UInt8(axis)
        build(lo, mid)
        build(mid + 1, hi)
    }

    /// Reorders lo..<hi so position k holds the element a sort along `axis` would put
    /// there, none after it smaller and none before it larger (Hoare's selection).
    private mutating func select(_ k: Int, in lo: Int, _ hi: Int, axis: Int) {
        var lo = lo, hi = hi - 1
        while lo < hi {
            let pivot = points[(lo + hi) / 2][axis]
            var i = lo, j = hi
            while i <= j {
                while points[i][axis] < pivot { i += 1 }
                while points[j][axis] > pivot { j -= 1 }
                if i <= j { points.swapAt(i, j); ids.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }
}
