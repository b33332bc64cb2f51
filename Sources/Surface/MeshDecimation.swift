import Foundation
import Parallelism

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
    ///
    /// Meshes of `blockwiseFrom` faces or more are decimated block by block first (cubes of
    /// about 48 mean edge lengths, in parallel, each small enough to stay in cache; vertices
    /// shared between blocks held still), then once more as a whole so that the seams
    /// simplify too. Every vertex keeps the quadric of all the original planes it absorbed,
    /// so the bound holds across both.
    @discardableResult
    public mutating func decimate(targetFaces: Int, maximumError: Double = 0.05, blockwiseFrom: Int = 60_000) -> DecimationReport {
        var report = DecimationReport()
        report.facesBefore = faces.count
        report.facesAfter = faces.count
        guard faces.count > targetFaces, !faces.isEmpty else { return report }
        let bound = maximumError * maximumError
        var (quadric, onBorder) = CollapseState.planes(of: self)
        var positions = vertices, kept = faces
        var seams: [Bool]?
        let blocks = decimationBlocks(minimumFaces: blockwiseFrom)
        if blocks.count > 1 {
            let share = Double(targetFaces) / Double(faces.count)
            let locked = sharedVertices(blocks)
            seams = locked
            let mesh = self, q = quadric, b = onBorder
            let done = Parallel.map(iterations: blocks.count) { k in
                mesh.decimateBlock(blocks[k], quadric: q, onBorder: b, locked: locked,
                                   targetFaces: Int(share * Double(blocks[k].count)), bound: bound)
            }
            kept = []
            for block in done {
                kept += block.faces
                for (v, p, qv) in block.moved { positions[Int(v)] = p; quadric[Int(v)] = qv }
                report.maximumError = max(report.maximumError, block.maximumError)
            }
        }
        var state = CollapseState(vertices: positions, faces: kept, quadric: quadric, onBorder: onBorder)
        let error = state.run(targetFaces: targetFaces, bound: bound, around: seams)
        report.maximumError = max(report.maximumError, error)
        report.stoppedByError = state.liveFaces > targetFaces
        faces = state.liveFaceList
        vertices = state.vertices
        removeUnusedVertices()
        if normals != nil { recomputeNormals() }
        report.facesAfter = faces.count
        return report
    }

    /// The faces grouped by the cube of about 48 mean edge lengths their first vertex falls in;
    /// a single group for meshes under `minimumFaces`.
    func decimationBlocks(minimumFaces: Int) -> [[Int32]] {
        guard faces.count >= minimumFaces else { return [faces.indices.map(Int32.init)] }
        var total = 0.0
        for f in faces.prefix(10_000) { let e = vertices[Int(f.y)] - vertices[Int(f.x)]; total += (e * e).sum().squareRoot() }
        let side = max(48 * total / Double(min(faces.count, 10_000)), 1e-9)
        var blocks: [SIMD3<Int64>: [Int32]] = [:]
        for (i, f) in faces.enumerated() {
            let p = vertices[Int(f.x)] / side
            blocks[SIMD3<Int64>(Int64(p.x.rounded(.down)), Int64(p.y.rounded(.down)), Int64(p.z.rounded(.down))), default: []].append(Int32(i))
        }
        return blocks.keys.sorted { ($0.x, $0.y, $0.z) < ($1.x, $1.y, $1.z) }.map { blocks[$0]! }
    }

    /// Vertices of faces in more than one block.
    func sharedVertices(_ blocks: [[Int32]]) -> [Bool] {
        var owner = [Int32](repeating: -1, count: vertices.count), shared = [Bool](repeating: false, count: vertices.count)
        for (b, block) in blocks.enumerated() {
            for f in block {
                let t = faces[Int(f)]
                for v in [t.x, t.y, t.z] {
                    if owner[Int(v)] < 0 { owner[Int(v)] = Int32(b) } else if owner[Int(v)] != Int32(b) { shared[Int(v)] = true }
                }
            }
        }
        return shared
    }

    /// One block decimated on its own (local indices), `locked` vertices held still: its
    /// remaining faces (global indices) and the vertices that moved, with their quadrics.
    func decimateBlock(_ block: [Int32], quadric: [Quadric], onBorder: [Bool], locked: [Bool], targetFaces: Int, bound: Double) -> DecimatedBlock {
        // Local numbers in order of first use (a loop, not a closure over the map: captured
        // variables would be boxed and checked for exclusive access on every use).
        var local = FlatMap<UInt64>(capacity: block.count), global: [Int32] = []
        var localFaces = [SIMD3<Int32>](repeating: .zero, count: block.count)
        for (j, f) in block.enumerated() {
            let t = faces[Int(f)]
            var l = SIMD3<Int32>.zero
            for c in 0..<3 {
                if let i = local[UInt64(UInt32(bitPattern: t[c]))] { l[c] = i; continue }
                l[c] = Int32(global.count); local.insert(UInt64(UInt32(bitPattern: t[c])), l[c]); global.append(t[c])
            }
            localFaces[j] = l
        }
        var state = CollapseState(vertices: global.map { vertices[Int($0)] }, faces: localFaces,
                                  quadric: global.map { quadric[Int($0)] }, onBorder: global.map { onBorder[Int($0)] },
                                  locked: global.map { locked[Int($0)] })
        let error = state.run(targetFaces: targetFaces, bound: bound)
        let remaining = state.liveFaceList.map { SIMD3(global[Int($0.x)], global[Int($0.y)], global[Int($0.z)]) }
        let q = state.quadrics
        let moved = global.indices.filter { !locked[Int(global[$0])] }.map { (global[$0], state.vertices[$0], q[$0]) }
        return DecimatedBlock(faces: remaining, moved: moved, maximumError: error)
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
    var u: Int32, v: Int32
    var versionU: UInt32, versionV: UInt32
}

/// What one block's decimation left.
struct DecimatedBlock: Sendable {
    var faces: [SIMD3<Int32>]
    var moved: [(Int32, SIMD3<Double>, Quadric)]
    var maximumError: Double
}
