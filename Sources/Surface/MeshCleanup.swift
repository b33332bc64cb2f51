import Foundation

/// Repairs that make a mesh fit to measure: fragments, broken faces and small holes.
/// Each returns what it did so that reports can say it.
extension TriangleMesh {
    /// Drops faces with a repeated vertex or zero area, then faces beyond the second on an
    /// edge (non-manifold fans keep their first two faces), then unused vertices.
    /// Returns (degenerate, non-manifold) faces removed.
    @discardableResult
    public mutating func removeDegenerateAndNonManifoldFaces() -> (degenerate: Int, nonManifold: Int) {
        let before = faces.count
        faces = faces.filter { f in
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = crossProduct(b - a, c - a)
            return !(f.x == f.y || f.y == f.z || f.x == f.z || (n * n).sum() == 0)
        }
        let degenerate = before - faces.count
        let edges = HalfEdges(self)
        // Marching tetrahedra's meshes have none: a parallel scan says so before the serial walk.
        guard edges.hasEdgeOfMoreThanTwoFaces else {
            removeUnusedVertices()
            return (degenerate, 0)
        }
        var drop = [Bool](repeating: false, count: faces.count)
        edges.forEachEdge { u, v, forward, backward in
            guard forward + backward > 2 else { return }
            var users: [Int32] = []
            for k in Int(edges.start[Int(u)])..<Int(edges.start[Int(u) + 1]) where edges.end[k] == v { users.append(edges.face[k]) }
            for k in Int(edges.start[Int(v)])..<Int(edges.start[Int(v) + 1]) where edges.end[k] == u { users.append(edges.face[k]) }
            for f in users.sorted().dropFirst(2) { drop[Int(f)] = true }
        }
        let nonManifold = drop.lazy.filter { $0 }.count
        if nonManifold > 0 { faces = faces.indices.filter { !drop[$0] }.map { faces[$0] } }
        removeUnusedVertices()
        return (degenerate, nonManifold)
    }

    /// Connected components (faces sharing an edge or a vertex), as a component number
    /// per face, and the number of components.
    public func components() -> (ofFace: [Int32], count: Int) {
        var parent = Array(0..<Int32(vertices.count))
        func find(_ x: Int32) -> Int32 {
            var x = x
            while parent[Int(x)] != x { parent[Int(x)] = parent[Int(parent[Int(x)])]; x = parent[Int(x)] }
            return x
        }
        for f in faces {
            let a = find(f.x), b = find(f.y), c = find(f.z)
            parent[Int(b)] = a; parent[Int(find(c))] = a
        }
        var number = [Int32](repeating: -1, count: vertices.count), count = 0
        var ofFace = [Int32](repeating: 0, count: faces.count)
        for (i, f) in faces.enumerated() {
            let root = Int(find(f.x))
            if number[root] < 0 { number[root] = Int32(count); count += 1 }
            ofFace[i] = number[root]
        }
        return (ofFace, count)
    }

    /// Removes components whose area is below `fraction` of the largest one's (stray
    /// fragments from outlying points). Returns (components, faces) removed.
    @discardableResult
    public mutating func removeSmallComponents(belowFractionOfLargest fraction: Double) -> (components: Int, faces: Int) {
        let (ofFace, count) = components()
        guard count > 1 else { return (0, 0) }
        var areas = [Double](repeating: 0, count: count)
        for (i, f) in faces.enumerated() {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = crossProduct(b - a, c - a)
            areas[Int(ofFace[i])] += 0.5 * (n * n).sum().squareRoot()
        }
        let limit = fraction * (areas.max() ?? 0)
        let before = faces.count
        faces = faces.indices.filter { areas[Int(ofFace[$0])] >= limit }.map { faces[$0] }
        removeUnusedVertices()
        return (areas.lazy.filter { $0 < limit }.count, before - faces.count)
    }

    /// Drops vertices no face uses, renumbering the faces.
    public mutating func removeUnusedVertices() {
        var used = [Int32](repeating: -1, count: vertices.count)
        for f in faces { used[Int(f.x)] = 0; used[Int(f.y)] = 0; used[Int(f.z)] = 0 }
        var next: Int32 = 0
        var newVertices: [SIMD3<Double>] = [], newNormals: [SIMD3<Float>] = [], newColors: [SIMD3<UInt8>] = []
        for i in vertices.indices where used[i] == 0 {
            used[i] = next; next += 1
            newVertices.append(vertices[i])
            if let normals { newNormals.append(normals[i]) }
            if let colors { newColors.append(colors[i]) }
        }
        guard newVertices.count < vertices.count else { return }
        vertices = newVertices
        if normals != nil { normals = newNormals }
        if colors != nil { colors = newColors }
        faces = faces.map { SIMD3(used[Int($0.x)], used[Int($0.y)], used[Int($0.z)]) }
    }

    /// The mesh's holes and open borders: each a loop of boundary vertices in the order a
    /// filling face must run them (the reverse of their face's edge).
    public func boundaryLoops() -> [[Int32]] {
        let edges = HalfEdges(self)
        // Boundary half-edges run by their face u → v; a filling face runs v → u.
        var next: [Int32: [Int32]] = [:]
        for (v, u) in edges.reversedBoundaryHalfEdges { next[v, default: []].append(u) }
        var loops: [[Int32]] = []
        for start in next.keys.sorted() {
            while let first = next[start]?.popLast() {
                var loop = [start], current = first
                while current != start, let step = next[current]?.popLast() {
                    loop.append(current); current = step
                }
                if current == start { loops += Self.simpleLoops(loop) }
            }
        }
        return loops
    }

    /// Splits a loop that passes a vertex more than once (holes touching at a corner) into
    /// loops that pass each vertex once, so that each can be filled on its own.
    public static func simpleLoopsForTesting(_ loop: [Int32]) -> [[Int32]] { simpleLoops(loop) }

    static func simpleLoops(_ loop: [Int32]) -> [[Int32]] {
        var out: [[Int32]] = [], stack: [Int32] = [], position: [Int32: Int] = [:]
        for v in loop {
            if let p = position[v] {
                let sub = Array(stack[p...])
                if sub.count >= 3 { out.append(sub) }
                for w in stack[(p + 1)...] { position[w] = nil }
                stack.removeSubrange((p + 1)...)
            } else {
                position[v] = stack.count; stack.append(v)
            }
        }
        if stack.count >= 3 { out.append(stack) }
        return out
    }

    /// What `fillHoles` did: holes filled and those left (too large), with their sizes: the
    /// boundary's edges and perimeter (mm), and for a filled hole the membrane's area (mm²)
    /// and the centroid of its boundary (mm, the mesh's frame) — surface no camera saw.
    public struct HoleReport: Sendable, Equatable {
        public var filled: [(edges: Int, perimeter: Double, area: Double, centre: SIMD3<Double>)] = []
        public var left: [(edges: Int, perimeter: Double)] = []
        public init() {}
        public static func == (a: HoleReport, b: HoleReport) -> Bool {
            a.filled.map(\.edges) == b.filled.map(\.edges) && a.left.map(\.edges) == b.left.map(\.edges)
        }
    }

    /// Closes every hole whose perimeter is at most `maximumPerimeter` mm: a fan from a new
    /// vertex at the loop's centroid, refined and then relaxed as a membrane (each new
    /// vertex at the mean of its neighbours) so the patch spans the hole smoothly rather
    /// than as a flat cone. Larger holes (an open border) are left and reported.
    /// - Parameter only: when given, only the boundary loops (vertex indices in order) for
    ///   which it returns true are considered.
    @discardableResult
    public mutating func fillHoles(maximumPerimeter: Double, only: (([Int32]) -> Bool)? = nil) -> HoleReport {
        var report = HoleReport()
        for loop in boundaryLoops() where only?(loop) ?? true {
            var perimeter = 0.0
            for i in loop.indices {
                let a = vertices[Int(loop[i])], b = vertices[Int(loop[(i + 1) % loop.count])]
                perimeter += ((a - b) * (a - b)).sum().squareRoot()
            }
            guard perimeter <= maximumPerimeter, loop.count >= 3 else { report.left.append((loop.count, perimeter)); continue }
            let firstFace = faces.count
            fillLoop(loop)
            var area = 0.0
            for f in faces[firstFace...] {
                let u = vertices[Int(f.y)] - vertices[Int(f.x)], w = vertices[Int(f.z)] - vertices[Int(f.x)]
                let n = SIMD3(u.y * w.z - u.z * w.y, u.z * w.x - u.x * w.z, u.x * w.y - u.y * w.x)
                area += 0.5 * (n * n).sum().squareRoot()
            }
            let centre = loop.reduce(SIMD3<Double>.zero) { $0 + vertices[Int($1)] } / Double(loop.count)
            report.filled.append((loop.count, perimeter, area, centre))
        }
        return report
    }

    /// Fills one boundary loop (given in filling order) with rings of new vertices shrinking
    /// toward its centroid, then relaxes the new vertices to a membrane.
    mutating func fillLoop(_ loop: [Int32]) {
        var centroid = SIMD3<Double>.zero, meanEdge = 0.0
        for (i, v) in loop.enumerated() {
            centroid += vertices[Int(v)]
            let w = vertices[Int(loop[(i + 1) % loop.count])] - vertices[Int(v)]
            meanEdge += (w * w).sum().squareRoot()
        }
        centroid /= Double(loop.count); meanEdge /= Double(loop.count)
        var radius = 0.0
        for v in loop { let d = vertices[Int(v)] - centroid; radius += (d * d).sum().squareRoot() }
        radius /= Double(loop.count)
        let firstNew = vertices.count
        let meanNormal: SIMD3<Float> = normals.map { n in loop.reduce(SIMD3<Float>.zero) { $0 + n[Int($1)] } } ?? .zero
        let meanColor: SIMD3<Float> = colors.map { c in loop.reduce(SIMD3<Float>.zero) { $0 + SIMD3<Float>(c[Int($1)]) } / Float(loop.count) } ?? .zero
        func addVertex(_ p: SIMD3<Double>) -> Int32 {
            vertices.append(p)
            if normals != nil { let l = (meanNormal * meanNormal).sum().squareRoot(); normals!.append(l > 0 ? meanNormal / l : .zero) }
            if colors != nil { colors!.append(SIMD3<UInt8>(meanColor.rounded(.toNearestOrAwayFromZero))) }
            return Int32(vertices.count - 1)
        }
        // Concentric rings: as many as the radius holds mean edges, each ring with the
        // outer one's vertex count (so that ring-to-ring strips are simple quads).
        let rings = max(0, min(20, Int((radius / max(meanEdge, 1e-9)).rounded()) - 1))
        var outer = loop
        for r in 0..<rings {
            let s = Double(rings - r) / Double(rings + 1)
            let inner = outer.indices.map { i in addVertex(centroid + s * (vertices[Int(loop[i])] - centroid)) }
            for i in outer.indices {
                let j = (i + 1) % outer.count
                // outer runs in filling order: faces (o_i, o_j, in_j), (o_i, in_j, in_i).
                faces.append(SIMD3(outer[i], outer[j], inner[j])); faces.append(SIMD3(outer[i], inner[j], inner[i]))
            }
            outer = inner
        }
        let centre = addVertex(centroid)
        for i in outer.indices { faces.append(SIMD3(outer[i], outer[(i + 1) % outer.count], centre)) }
        // Membrane: new vertices move to the mean of their neighbours; the loop stays fixed.
        let newCount = vertices.count - firstNew
        guard newCount > 0 else { return }
        var neighbours = [[Int32]](repeating: [], count: newCount)
        for f in faces.suffix(rings * 2 * loop.count + outer.count) {
            for (u, v) in [(f.x, f.y), (f.y, f.z), (f.z, f.x)] {
                if Int(u) >= firstNew { neighbours[Int(u) - firstNew].append(v) }
                if Int(v) >= firstNew { neighbours[Int(v) - firstNew].append(u) }
            }
        }
        for _ in 0..<(50 + 10 * rings) {
            for k in 0..<newCount {
                var s = SIMD3<Double>.zero
                for v in neighbours[k] { s += vertices[Int(v)] }
                vertices[firstNew + k] = s / Double(neighbours[k].count)
            }
        }
    }
}

/// An undirected edge's key: the lower vertex number in the high half.
func edgeKey(_ p: Int32, _ q: Int32) -> UInt64 {
    UInt64(UInt32(min(p, q))) << 32 | UInt64(UInt32(max(p, q)))
}
