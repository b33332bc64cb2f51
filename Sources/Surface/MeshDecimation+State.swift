import Foundation

/// The working state of `TriangleMesh.decimate`: positions, quadrics and each vertex's
/// incident faces, updated collapse by collapse. The tests work on flat arrays and two
/// reusable scratch lists; a collapse appends the survivor's merged face list to one pool
/// instead of allocating (millions of collapses for a 5 MP capture's mesh).
struct CollapseState {
    var vertices: [SIMD3<Double>]
    var faces: [SIMD3<Int32>]
    var faceAlive: [Bool]
    var liveFaces: Int
    private var quadric: [Quadric]
    /// Each vertex's incident faces: `incidentPool[incidentFirst[v] ..< + incidentCount[v]]`,
    /// dead faces included until the vertex next merges. A merge appends the survivor's list
    /// at the pool's end (the pool grows by a few entries per collapse; an array per vertex
    /// and per collapse made malloc and free a tenth of decimation's instructions).
    private var incidentPool: [Int32]
    private var incidentFirst: [Int]
    private var incidentCount: [Int32]
    private var onBorder: [Bool]
    private var alive: [Bool]
    private var version: [UInt32]
    private var edges: HalfEdges
    private var scratchU: [Int32] = [], scratchV: [Int32] = []

    /// A state over `faces` (indices into `vertices`), with each vertex's quadric and border
    /// flag as `planes(of:)` gives them; locked vertices never move or merge.
    init(vertices: [SIMD3<Double>], faces: [SIMD3<Int32>], quadric: [Quadric], onBorder: [Bool], locked: [Bool]? = nil) {
        let n = vertices.count
        self.vertices = vertices; self.faces = faces
        self.quadric = quadric; self.onBorder = onBorder
        faceAlive = [Bool](repeating: true, count: faces.count)
        liveFaces = faces.count
        alive = locked.map { $0.map { !$0 } } ?? [Bool](repeating: true, count: n)
        version = [UInt32](repeating: 0, count: n)
        let halfEdges = HalfEdges(vertexCount: n, faces: faces)
        edges = halfEdges
        incidentPool = halfEdges.face
        incidentFirst = (0..<n).map { Int(halfEdges.start[$0]) }
        incidentCount = (0..<n).map { halfEdges.start[$0 + 1] - halfEdges.start[$0] }
    }

    /// Each vertex's quadric: the planes of its faces, and for border vertices a plane
    /// through each border edge perpendicular to its face (which holds the border in place);
    /// with the border flags.
    static func planes(of mesh: TriangleMesh) -> (quadric: [Quadric], onBorder: [Bool]) {
        let n = mesh.vertices.count, vertices = mesh.vertices, faces = mesh.faces
        var quadric = [Quadric](repeating: Quadric(), count: n)
        var onBorder = [Bool](repeating: false, count: n)
        for f in faces {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let normal = crossProduct(b - a, c - a), l = (normal * normal).sum().squareRoot()
            guard l > 0 else { continue }
            let q = Quadric(plane: normal / l, through: a)
            quadric[Int(f.x)].add(q); quadric[Int(f.y)].add(q); quadric[Int(f.z)].add(q)
        }
        let edges = HalfEdges(vertexCount: n, faces: faces)
        edges.forEachEdge { u, v, forward, backward in
            guard forward + backward == 1 else { return }
            onBorder[Int(u)] = true; onBorder[Int(v)] = true
            // The edge's face: the half-edge's own (u → v or v → u).
            let k = forward == 1 ? edges.firstIndex(from: u, to: v) : edges.firstIndex(from: v, to: u)
            let t = faces[Int(edges.face[k])], a = vertices[Int(t.x)], b = vertices[Int(t.y)], c = vertices[Int(t.z)]
            let edge = vertices[Int(v)] - vertices[Int(u)]
            let normal = crossProduct(edge, crossProduct(b - a, c - a)), l = (normal * normal).sum().squareRoot()
            guard l > 0 else { return }
            let q = Quadric(plane: normal / l, through: vertices[Int(u)])
            quadric[Int(u)].add(q); quadric[Int(v)].add(q)
        }
        return (quadric, onBorder)
    }

    /// The live faces; each vertex's quadric (merged ones carry the planes they absorbed).
    var liveFaceList: [SIMD3<Int32>] { faces.indices.filter { faceAlive[$0] }.map { faces[$0] } }
    var quadrics: [Quadric] { quadric }

    /// Collapses the cheapest edges until `targetFaces` remain or none is within `bound`
    /// (mm², quadric error); returns the largest error made (mm).
    /// Only edges with an end among `around` (when given) are candidates at first: after the
    /// blocks, the seams are all that is left to simplify.
    mutating func run(targetFaces: Int, bound: Double, around: [Bool]? = nil) -> Double {
        var queue = initialCandidates(bound: bound, around: around)
        var worst = 0.0
        while liveFaces > targetFaces, let c = queue.pop() {
            guard isCurrent(c), let cost = collapse(c) else { continue }
            worst = max(worst, cost)
            pushCandidates(around: c.u, into: &queue)
        }
        return worst.squareRoot()
    }

    /// Every edge's collapse whose cost is within `bound` (mm²), by cost (only edges with an
    /// end among `around`, when given).
    func initialCandidates(bound: Double, around: [Bool]? = nil) -> CostBuckets<Collapse> {
        var queue = CostBuckets<Collapse>(bound: bound)
        edges.forEachEdge { u, v, _, _ in
            if let around, !around[Int(u)], !around[Int(v)] { return }
            queue.push(cost(u, v).cost, Collapse(u: u, v: v, versionU: 0, versionV: 0))
        }
        return queue
    }

    /// The best position for u and v merged and its quadric error (mm²).
    func cost(_ u: Int32, _ v: Int32) -> (target: SIMD3<Double>, cost: Double) {
        let q = quadric[Int(u)].adding(quadric[Int(v)])
        let (target, cost) = q.minimizer(vertices[Int(u)], vertices[Int(v)])
        return (target, cost)
    }

    /// True when neither end has changed since the candidate was made.
    func isCurrent(_ c: Collapse) -> Bool {
        alive[Int(c.u)] && alive[Int(c.v)] && version[Int(c.u)] == c.versionU && version[Int(c.v)] == c.versionV
    }

    /// The array in `list`, leaving an empty one (no copy, no allocation).
    @inline(__always)
    private static func take(_ list: inout [Int32]) -> [Int32] {
        var taken: [Int32] = []
        swap(&taken, &list)
        return taken
    }

    /// Where vertex v's incident faces lie in `incidentPool`.
    @inline(__always)
    private func incident(_ v: Int32) -> Range<Int> {
        let first = incidentFirst[Int(v)]
        return first..<(first + Int(incidentCount[Int(v)]))
    }

    /// The distinct neighbours of u over its live faces, into `list`.
    private func neighbours(_ u: Int32, into list: inout [Int32]) {
        list.removeAll(keepingCapacity: true)
        for k in incident(u) where faceAlive[Int(incidentPool[k])] {
            let t = faces[Int(incidentPool[k])]
            if t.x != u, !list.contains(t.x) { list.append(t.x) }
            if t.y != u, !list.contains(t.y) { list.append(t.y) }
            if t.z != u, !list.contains(t.z) { list.append(t.z) }
        }
    }

    /// Collapses v onto u at the quadric's best point, unless that would change the topology
    /// (the link condition), pinch a border or flip or fold a face. Returns the collapse's
    /// quadric error (mm²) when done, nil when refused.
    mutating func collapse(_ c: Collapse) -> Double? {
        let (u, v) = (c.u, c.v)
        // Link condition: the common neighbours are exactly the shared faces' opposite corners.
        var shared = 0
        for k in incident(u) where faceAlive[Int(incidentPool[k])] && faces[Int(incidentPool[k])].contains(v) { shared += 1 }
        guard shared > 0 else { return nil }
        // The scratch lists are moved out while filled: passing a stored property inout to a
        // method of self would copy the whole state (a dozen arrays retained) per call.
        var listU = Self.take(&scratchU), listV = Self.take(&scratchV)
        neighbours(u, into: &listU); neighbours(v, into: &listV)
        var common = 0
        for w in listU where listV.contains(w) { common += 1 }
        scratchU = listU; scratchV = listV
        guard common == shared else { return nil }
        // A border edge may collapse; an inner edge between two border vertices may not.
        if onBorder[Int(u)] && onBorder[Int(v)] && shared != 1 { return nil }
        let (target, error) = cost(u, v)
        guard !folds(moving: u, keeping: v, to: target), !folds(moving: v, keeping: u, to: target) else { return nil }
        vertices[Int(u)] = target
        quadric[Int(u)].add(quadric[Int(v)])
        onBorder[Int(u)] = onBorder[Int(u)] || onBorder[Int(v)]
        alive[Int(v)] = false
        for k in incident(u) where faceAlive[Int(incidentPool[k])] && faces[Int(incidentPool[k])].contains(v) {
            faceAlive[Int(incidentPool[k])] = false; liveFaces -= 1
        }
        // The survivor's list: its live faces, then v's (renamed to u), at the pool's end.
        let first = incidentPool.count
        for k in incident(u) where faceAlive[Int(incidentPool[k])] { incidentPool.append(incidentPool[k]) }
        for k in incident(v) where faceAlive[Int(incidentPool[k])] {
            let f = incidentPool[k]
            var t = faces[Int(f)]
            if t.x == v { t.x = u } else if t.y == v { t.y = u } else { t.z = u }
            faces[Int(f)] = t
            incidentPool.append(f)
        }
        incidentFirst[Int(u)] = first; incidentCount[Int(u)] = Int32(incidentPool.count - first)
        incidentCount[Int(v)] = 0
        version[Int(u)] &+= 1
        return error
    }

    /// True when moving vertex `w` to `target` flips or folds (turns by more than ~78°) one
    /// of its faces that does not hold `other` (those vanish), or makes one degenerate.
    private func folds(moving w: Int32, keeping other: Int32, to target: SIMD3<Double>) -> Bool {
        for k in incident(w) where faceAlive[Int(incidentPool[k])] {
            let t = faces[Int(incidentPool[k])]
            guard !t.contains(other) else { continue }
            let a = vertices[Int(t.x)], b = vertices[Int(t.y)], c = vertices[Int(t.z)]
            let a2 = t.x == w ? target : a, b2 = t.y == w ? target : b, c2 = t.z == w ? target : c
            let before = crossProduct(b - a, c - a), after = crossProduct(b2 - a2, c2 - a2)
            let la = (after * after).sum().squareRoot(), lb = (before * before).sum().squareRoot()
            if (before * after).sum() < 0.2 * la * lb || la < 1e-12 { return true }
        }
        return false
    }

    /// New candidates for the edges around u after a collapse.
    mutating func pushCandidates(around u: Int32, into queue: inout CostBuckets<Collapse>) {
        var list = Self.take(&scratchU)
        defer { scratchU = list }
        neighbours(u, into: &list)
        for w in list {
            queue.push(cost(u, w).cost, Collapse(u: u, v: w, versionU: version[Int(u)], versionV: version[Int(w)]))
        }
    }
}
