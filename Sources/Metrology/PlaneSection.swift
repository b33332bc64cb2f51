import Foundation
import LinearAlgebra
import Surface

/// A plane in mm: the points x with normal·(x − point) = 0.
public struct Plane: Sendable, Equatable {
    public var point: SIMD3<Double>
    /// Unit normal.
    public var normal: SIMD3<Double>

    /// - Precondition: `normal` is not zero (it is normalized here).
    public init(point: SIMD3<Double>, normal: SIMD3<Double>) {
        let l = (normal * normal).sum().squareRoot()
        precondition(l > 0, "a plane needs a non-zero normal")
        self.point = point; self.normal = normal / l
    }

    /// The plane through three points, normal (b − a) × (c − a); nil when they are (nearly)
    /// on one line.
    public init?(through a: SIMD3<Double>, _ b: SIMD3<Double>, _ c: SIMD3<Double>) {
        let u = b - a, v = c - a
        let n = SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
        let l = (n * n).sum().squareRoot()
        guard l > 1e-9 * max((u * u).sum(), (v * v).sum()) else { return nil }
        point = a; normal = n / l
    }

    /// Signed distance (mm), positive on the normal's side.
    public func distance(_ x: SIMD3<Double>) -> Double { (normal * (x - point)).sum() }
}

/// One piece of a mesh's cross-section: an ordered polyline (mm) and its length.
public struct SectionCurve: Sendable {
    public var points: [SIMD3<Double>]
    /// True when the curve closes on itself (the last point joins the first); false where
    /// it runs off the mesh's border.
    public var isClosed: Bool
    /// Length (mm), including the closing segment of a closed curve.
    public var length: Double {
        var sum = 0.0
        for i in 1..<max(points.count, 1) { let d = points[i] - points[i - 1]; sum += (d * d).sum().squareRoot() }
        if isClosed, let first = points.first, let last = points.last { let d = first - last; sum += (d * d).sum().squareRoot() }
        return sum
    }
}

extension TriangleMesh {
    /// The cross-section of the mesh by `plane`: each face the plane crosses gives a segment
    /// between the points where it cuts the face's edges (linear interpolation); segments
    /// meeting at an edge are chained into curves. Vertices exactly on the plane count as on
    /// its positive side, so no segment is counted twice. Closed curves run counter-clockwise
    /// seen from the normal's side; curves are sorted longest first.
    public func section(by plane: Plane) -> [SectionCurve] {
        let side = vertices.map { plane.distance($0) }
        // One point per crossed edge, keyed by the edge; per point, the (up to two) points
        // it is joined to.
        var pointOfEdge: [UInt64: Int] = [:]
        var points: [SIMD3<Double>] = [], links: [[Int]] = []
        func point(_ a: Int32, _ b: Int32) -> Int {
            let key = UInt64(UInt32(min(a, b))) << 32 | UInt64(UInt32(max(a, b)))
            if let p = pointOfEdge[key] { return p }
            let da = side[Int(a)], db = side[Int(b)], t = da / (da - db)
            points.append(vertices[Int(a)] + t * (vertices[Int(b)] - vertices[Int(a)])); links.append([])
            pointOfEdge[key] = points.count - 1
            return points.count - 1
        }
        for f in faces {
            let corners = [f.x, f.y, f.z]
            var crossing: [Int] = []
            for k in 0..<3 {
                let a = corners[k], b = corners[(k + 1) % 3]
                if (side[Int(a)] < 0) != (side[Int(b)] < 0) { crossing.append(point(a, b)) }
            }
            guard crossing.count == 2, crossing[0] != crossing[1] else { continue }
            links[crossing[0]].append(crossing[1]); links[crossing[1]].append(crossing[0])
        }
        // Chain: open curves from their ends first, then the loops.
        var used = [Bool](repeating: false, count: points.count)
        var curves: [SectionCurve] = []
        func walk(from start: Int) -> (indices: [Int], closed: Bool) {
            var chain = [start], previous = -1, current = start
            used[start] = true
            while true {
                guard let next = links[current].first(where: { $0 != previous && (!used[$0] || ($0 == start && chain.count > 2)) }) else { return (chain, false) }
                if next == start { return (chain, true) }
                used[next] = true; chain.append(next); previous = current; current = next
            }
        }
        for p in points.indices where !used[p] && links[p].count == 1 { curves.append(curve(walk(from: p), points)) }
        for p in points.indices where !used[p] && !links[p].isEmpty { curves.append(curve(walk(from: p), points)) }
        // Closed curves counter-clockwise about the normal.
        for i in curves.indices where curves[i].isClosed {
            var area = SIMD3<Double>.zero
            let c = curves[i].points, o = c[0]
            for k in 1..<(c.count - 1) {
                let u = c[k] - o, v = c[k + 1] - o
                area += SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
            }
            if (area * plane.normal).sum() < 0 { curves[i].points.reverse() }
        }
        return curves.sorted { $0.length > $1.length }
    }

    private func curve(_ chain: (indices: [Int], closed: Bool), _ points: [SIMD3<Double>]) -> SectionCurve {
        SectionCurve(points: chain.indices.map { points[$0] }, isClosed: chain.closed)
    }
}

extension SectionCurve {
    /// The part of the curve between its points nearest `a` and `b` (on a closed curve, the
    /// shorter way round), as an open curve.
    public func piece(between a: SIMD3<Double>, and b: SIMD3<Double>) -> SectionCurve {
        let ext = isClosed ? points + [points[0]] : points
        func nearest(_ x: SIMD3<Double>) -> (index: Int, point: SIMD3<Double>) {
            var best = (index: 0, point: ext[0], d: Double.infinity)
            for i in 0..<(ext.count - 1) {
                let p = ext[i], d = ext[i + 1] - p, l2 = LinearAlgebra.dot(d, d)
                let t = l2 > 0 ? min(max(LinearAlgebra.dot(x - p, d) / l2, 0), 1) : 0
                let q = p + t * d, e = LinearAlgebra.length(q - x)
                if e < best.d { best = (i, q, e) }
            }
            return (best.index, best.point)
        }
        var (i, p) = nearest(a), (j, q) = nearest(b)
        if i > j || (i == j && LinearAlgebra.length(p - ext[i]) > LinearAlgebra.length(q - ext[i])) { swap(&i, &j); swap(&p, &q) }
        let inner = i < j ? Array(ext[(i + 1)...j]) : []
        let forward = SectionCurve(points: [p] + inner + [q], isClosed: false)
        guard isClosed else { return forward }
        let around = SectionCurve(points: [q] + Array(ext[(j + 1)...]) + (i >= 1 ? Array(ext[1...i]) : []) + [p], isClosed: false)
        return around.length < forward.length ? around : forward
    }
}
