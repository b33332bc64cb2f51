import Foundation

extension TriangleMesh {
    /// What `decimate` did.
    public struct DecimationReport: Sendable {
        public var facesBefore = 0
        public var facesAfter = 0
        /// The largest error bound of any collapse made (mm): every vertex of the result lies
        /// within this distance of the plane of each original face that merged into it.
        public var maximumError = 0.0
        /// True when the error bound, not the face count, stopped the decimation.
        public var stoppedByError = false
    }

    /// Reduces the mesh to about `targetFaces` faces by quadric-error edge collapses
    /// (Garland & Heckbert 1997), never letting a vertex move more than `maximumError` mm
    /// off the plane of any original face it absorbed. Collapses that would change the
    /// topology (the link condition), pinch a border or flip a face are skipped, so a closed
    /// mesh stays closed and an open one keeps its borders (held by planes through each
    /// border edge, perpendicular to its face). Normals are recomputed; a vertex keeps the
    /// colour of the end it collapsed onto.
    @discardableResult
    public mutating func decimate(targetFaces: Int, maximumError: Double = 0.05) -> DecimationReport {
        var report = DecimationReport()
        report.facesBefore = faces.count
        report.facesAfter = faces.count
        guard faces.count > targetFaces, !faces.isEmpty else { return report }
        let n = vertices.count
        var quadric = [Quadric](repeating: Quadric(), count: n)
        var faceAlive = [Bool](repeating: true, count: faces.count)
        var incident = [[Int32]](repeating: [], count: n)
        for (i, f) in faces.enumerated() {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let normal = crossProduct(b - a, c - a), l = (normal * normal).sum().squareRoot()
            for k in 0..<3 { incident[Int(f[k])].append(Int32(i)) }
            guard l > 0 else { continue }
            let q = Quadric(plane: normal / l, through: a)
            quadric[Int(f.x)].add(q); quadric[Int(f.y)].add(q); quadric[Int(f.z)].add(q)
        }
        // Borders: a plane through each border edge, perpendicular to its face.
        var onBorder = [Bool](repeating: false, count: n)
        HalfEdges(self).forEachEdge { u, v, forward, backward in
            guard forward + backward == 1 else { return }
            onBorder[Int(u)] = true; onBorder[Int(v)] = true
            guard let f = incident[Int(u)].first(where: { faces[Int($0)].contains(v) }) else { return }
            let t = faces[Int(f)], a = vertices[Int(t.x)], b = vertices[Int(t.y)], c = vertices[Int(t.z)]
            let faceNormal = crossProduct(b - a, c - a)
            let edge = vertices[Int(v)] - vertices[Int(u)]
            let normal = crossProduct(edge, faceNormal), l = (normal * normal).sum().squareRoot()
            guard l > 0 else { return }
            let q = Quadric(plane: normal / l, through: vertices[Int(u)])
            quadric[Int(u)].add(q); quadric[Int(v)].add(q)
        }
        var version = [UInt32](repeating: 0, count: n)
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap<Collapse>()
        func candidate(_ u: Int32, _ v: Int32) {
            let q = quadric[Int(u)].adding(quadric[Int(v)])
            let (target, cost) = q.minimizer(vertices[Int(u)], vertices[Int(v)])
            heap.push(cost, Collapse(cost: cost, u: u, v: v, versionU: version[Int(u)], versionV: version[Int(v)], target: target))
        }
        HalfEdges(self).forEachEdge { u, v, _, _ in candidate(u, v) }
        let bound = maximumError * maximumError
        var liveFaces = faces.count

        // Neighbour lists are short (valence ~6): arrays with linear search beat sets.
        func neighbours(_ u: Int32) -> [Int32] {
            var s: [Int32] = []
            s.reserveCapacity(12)
            for f in incident[Int(u)] where faceAlive[Int(f)] {
                let t = faces[Int(f)]
                for w in [t.x, t.y, t.z] where w != u && !s.contains(w) { s.append(w) }
            }
            return s
        }

        while liveFaces > targetFaces, let (_, c) = heap.pop() {
            guard alive[Int(c.u)], alive[Int(c.v)], version[Int(c.u)] == c.versionU, version[Int(c.v)] == c.versionV else { continue }
            if c.cost > bound { report.stoppedByError = true; break }
            let (u, v) = (c.u, c.v)
            // Link condition: the common neighbours are exactly the faces' opposite corners.
            let shared = incident[Int(u)].filter { faceAlive[Int($0)] && faces[Int($0)].contains(v) }
            let nv = neighbours(v)
            let common = neighbours(u).lazy.filter { nv.contains($0) }.count
            guard common == shared.count, !shared.isEmpty else { continue }
            // A border edge may collapse; an inner edge between two border vertices may not.
            if onBorder[Int(u)] && onBorder[Int(v)] && shared.count != 1 { continue }
            // No face may flip or fold.
            var folds = false
            for w in [u, v] {
                for f in incident[Int(w)] where faceAlive[Int(f)] && !faces[Int(f)].contains(w == u ? v : u) {
                    let t = faces[Int(f)]
                    let p = [t.x, t.y, t.z].map { vertices[Int($0)] }
                    let q = [t.x, t.y, t.z].map { $0 == w ? c.target : vertices[Int($0)] }
                    let before = crossProduct(p[1] - p[0], p[2] - p[0]), after = crossProduct(q[1] - q[0], q[2] - q[0])
                    let la = (after * after).sum().squareRoot(), lb = (before * before).sum().squareRoot()
                    if (before * after).sum() < 0.2 * la * lb || la < 1e-12 { folds = true; break }
                }
                if folds { break }
            }
            if folds { continue }
            // Collapse v onto u at the target.
            vertices[Int(u)] = c.target
            quadric[Int(u)].add(quadric[Int(v)])
            onBorder[Int(u)] = onBorder[Int(u)] || onBorder[Int(v)]
            alive[Int(v)] = false
            for f in shared { faceAlive[Int(f)] = false; liveFaces -= 1 }
            for f in incident[Int(v)] where faceAlive[Int(f)] {
                var t = faces[Int(f)]
                for k in 0..<3 where t[k] == v { t[k] = u }
                faces[Int(f)] = t
                incident[Int(u)].append(f)
            }
            incident[Int(u)].removeAll { !faceAlive[Int($0)] }
            incident[Int(v)] = []
            version[Int(u)] &+= 1
            report.maximumError = max(report.maximumError, c.cost.squareRoot())
            for w in neighbours(u) { candidate(u, w) }
        }
        faces = faces.indices.filter { faceAlive[$0] }.map { faces[$0] }
        removeUnusedVertices()
        if normals != nil { recomputeNormals() }
        report.facesAfter = faces.count
        return report
    }

    /// Vertex normals as the area-weighted mean of their faces' normals.
    public mutating func recomputeNormals() {
        var sum = [SIMD3<Double>](repeating: .zero, count: vertices.count)
        for f in faces {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = crossProduct(b - a, c - a)
            sum[Int(f.x)] += n; sum[Int(f.y)] += n; sum[Int(f.z)] += n
        }
        normals = sum.map { n in
            let l = (n * n).sum().squareRoot()
            return l > 0 ? SIMD3<Float>(n / l) : .zero
        }
    }
}

extension SIMD3 where Scalar == Int32 {
    func contains(_ v: Int32) -> Bool { x == v || y == v || z == v }
}

/// The quadric Σ (n·x + d)² of a set of planes, as its symmetric 4 × 4 matrix's ten terms
/// (xx xy xz xd yy yz yd zz in `m`, zd dd in `e`).
struct Quadric {
    var m = SIMD8<Double>.zero
    var e = SIMD2<Double>.zero

    init() {}

    init(plane n: SIMD3<Double>, through p: SIMD3<Double>) {
        let d = -(n * p).sum()
        m = SIMD8(n.x * n.x, n.x * n.y, n.x * n.z, n.x * d, n.y * n.y, n.y * n.z, n.y * d, n.z * n.z)
        e = SIMD2(n.z * d, d * d)
    }

    subscript(i: Int) -> Double { i < 8 ? m[i] : e[i - 8] }

    mutating func add(_ q: Quadric) { m += q.m; e += q.e }
    func adding(_ q: Quadric) -> Quadric { var r = self; r.add(q); return r }

    func error(_ p: SIMD3<Double>) -> Double {
        let x = p.x, y = p.y, z = p.z
        return self[0] * x * x + 2 * self[1] * x * y + 2 * self[2] * x * z + 2 * self[3] * x
            + self[4] * y * y + 2 * self[5] * y * z + 2 * self[6] * y + self[7] * z * z + 2 * self[8] * z + self[9]
    }

    /// The point of least error (solving the 3 × 3 system), or the best of the edge's ends
    /// and midpoint when the system is near singular (flat or straight neighbourhoods) or
    /// its solution lies far off the edge; with its error (≥ 0).
    func minimizer(_ p0: SIMD3<Double>, _ p1: SIMD3<Double>) -> (SIMD3<Double>, Double) {
        let fallback = (p0, p1, 0.5 * (p0 + p1))
        let m00 = self[0], m01 = self[1], m02 = self[2], m11 = self[4], m12 = self[5], m22 = self[7]
        let c0 = m11 * m22 - m12 * m12, c1 = m02 * m12 - m01 * m22, c2 = m01 * m12 - m02 * m11
        let det = m00 * c0 + m01 * c1 + m02 * c2
        let scale = max(m00 + m11 + m22, 1e-300)
        var best = fallback.0, bestError = error(fallback.0)
        for p in [fallback.1, fallback.2] { let e = error(p); if e < bestError { best = p; bestError = e } }
        if abs(det) > 1e-9 * scale * scale * scale {
            let b = SIMD3(-self[3], -self[6], -self[8])
            let i01 = m02 * m12 - m01 * m22, i02 = m01 * m12 - m02 * m11, i11 = m00 * m22 - m02 * m02
            let i12 = m01 * m02 - m00 * m12, i22 = m00 * m11 - m01 * m01
            let p = SIMD3(c0 * b.x + i01 * b.y + i02 * b.z, i01 * b.x + i11 * b.y + i12 * b.z, i02 * b.x + i12 * b.y + i22 * b.z) / det
            // Stay near the edge: a solution far off (ill-conditioned) is not trusted.
            let span = ((fallback.0 - fallback.1) * (fallback.0 - fallback.1)).sum()
            let offset = ((p - fallback.2) * (p - fallback.2)).sum()
            let e = error(p)
            if offset <= 4 * span + 1e-12, e < bestError { best = p; bestError = e }
        }
        return (best, max(bestError, 0))
    }
}

struct Collapse {
    var cost: Double
    var u: Int32, v: Int32
    var versionU: UInt32, versionV: UInt32
    var target: SIMD3<Double>
}
