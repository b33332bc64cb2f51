import Foundation
import Parallelism

/// Extracts the zero level of a `SignedDistanceGrid` as a triangle mesh by marching
/// tetrahedra: each grid cell is split into six tetrahedra around its main diagonal (the
/// Kuhn split, the same in every cell, so neighbouring cells cut their shared faces along
/// the same diagonal), and each tetrahedron the level crosses gives one triangle or two.
/// Unlike marching cubes this has no ambiguous cases: wherever the field is defined the
/// result is an edge-manifold surface, closed where the field surrounds a volume, wound
/// counter-clockwise seen from the positive (outside) side. Vertices sit on cell edges,
/// face and main diagonals, linearly interpolated; vertex normals and colours are
/// interpolated from the grid's corners.
public enum MarchingTetrahedra {
    /// The six tetrahedra of a cell, corners numbered by bits (x = 1, y = 2, z = 4), each
    /// listed in positive orientation (det(v1 − v0, v2 − v0, v3 − v0) > 0).
    static let tetrahedra: [SIMD4<Int>] = [
        SIMD4(0, 1, 3, 7), SIMD4(0, 2, 6, 7), SIMD4(0, 4, 5, 7),
        SIMD4(0, 1, 7, 5), SIMD4(0, 2, 7, 3), SIMD4(0, 4, 7, 6),
    ]
    /// Even permutations of a tetrahedron's corners putting corner i first.
    static let lone: [SIMD4<Int>] = [SIMD4(0, 1, 2, 3), SIMD4(1, 0, 3, 2), SIMD4(2, 3, 0, 1), SIMD4(3, 2, 1, 0)]
    /// Even permutations putting a given pair first, by the pair's bit mask.
    static let pairFirst: [Int: SIMD4<Int>] = [
        0b0011: SIMD4(0, 1, 2, 3), 0b0101: SIMD4(0, 2, 3, 1), 0b1001: SIMD4(0, 3, 1, 2),
        0b0110: SIMD4(1, 2, 0, 3), 0b1010: SIMD4(1, 3, 2, 0), 0b1100: SIMD4(2, 3, 0, 1),
    ]

    /// The mesh of the grid's zero level. Runs of blocks are meshed in parallel, each with
    /// its own vertices (`Piece`); the pieces are then joined in block order, a vertex on a
    /// shared cell edge taking the number of its first piece, so that vertex and face order
    /// are those of meshing the blocks one after another.
    public static func mesh(_ grid: SignedDistanceGrid) -> TriangleMesh {
        let blocks = grid.blockCount
        let runs = min(blocks, 32)
        let pieces = Parallel.map(iterations: runs) { run in
            piece(grid, blocks: (run * blocks / runs)..<((run + 1) * blocks / runs))
        }
        return join(pieces, hasColor: !grid.color.isEmpty)
    }

    /// Vertices and faces of a run of blocks; faces number the piece's own vertices, and
    /// `keys` name each vertex's cell edge.
    struct Piece: Sendable {
        var keys: [UInt64] = []
        /// Whether a cell of another block may also hold the vertex's edge.
        var shared: [Bool] = []
        var vertices: [SIMD3<Double>] = []
        var normals: [SIMD3<Float>] = []
        var colors: [SIMD3<UInt8>] = []
        var faces: [SIMD3<Int32>] = []
    }

    /// Joins the pieces in order, one vertex per cell edge.
    static func join(_ pieces: [Piece], hasColor: Bool) -> TriangleMesh {
        let total = pieces.reduce(0) { $0 + $1.vertices.count }
        var vertices: [SIMD3<Double>] = [], normals: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>] = []
        var faces: [SIMD3<Int32>] = []
        vertices.reserveCapacity(total); normals.reserveCapacity(total)
        if hasColor { colors.reserveCapacity(total) }
        faces.reserveCapacity(pieces.reduce(0) { $0 + $1.faces.count })
        var vertexOfEdge = FlatMap<UInt64>(capacity: total)
        for piece in pieces {
            var global = [Int32](repeating: 0, count: piece.vertices.count)
            for k in piece.vertices.indices {
                let shared = piece.shared[k]
                if shared, let existing = vertexOfEdge[piece.keys[k]] { global[k] = existing; continue }
                let id = Int32(vertices.count)
                vertices.append(piece.vertices[k]); normals.append(piece.normals[k])
                if hasColor { colors.append(piece.colors[k]) }
                if shared { vertexOfEdge.insert(piece.keys[k], id) }
                global[k] = id
            }
            for f in piece.faces { faces.append(SIMD3(global[Int(f.x)], global[Int(f.y)], global[Int(f.z)])) }
        }
        return TriangleMesh(vertices: vertices, faces: faces, normals: normals, colors: hasColor ? colors : nil)
    }

    /// Whether every cell holding the edge from local corner `corner` (0…8 per axis) along
    /// `along` (axis bits) lies in the same block: only that block's cells can make its vertex.
    @inline(__always)
    static func isInterior(_ corner: SIMD3<Int>, along: Int) -> Bool {
        for axis in 0..<3 where along >> axis & 1 == 0 {
            guard corner[axis] >= 1, corner[axis] <= SignedDistanceGrid.blockSide - 1 else { return false }
        }
        return true
    }

    /// The zero level in blocks `range` of the grid.
    static func piece(_ grid: SignedDistanceGrid, blocks range: Range<Int>) -> Piece {
        let side = SignedDistanceGrid.blockSide, corners = SignedDistanceGrid.blockCorners
        let h = grid.spacing
        let hasColor = !grid.color.isEmpty
        // Values within h/200 of zero are pushed to ±h/200 (zero counts as outside), so
        // that the vertices of the edges meeting at a corner on the surface stay ≥ ~h/300
        // apart instead of collapsing onto it: no zero-area slivers, and no two vertices
        // that print alike in a file (readers that merge them, e.g. Open3D's OBJ reader,
        // would change the counts). The surface moves by at most h/200 (0.004 mm).
        let tiny = Float(5e-3 * h)
        var out = Piece()
        var vertexOfEdge = FlatMap<UInt64>(capacity: range.count * 64)

        grid.distance.withUnsafeBufferPointer { distance in
            for b in range {
                let key = grid.blockKeys[b]
                // This block and its +x, +y, +z neighbours (by offset bits), −1 where absent.
                var neighbour = [Int](repeating: -1, count: 8)
                for o in 0..<8 {
                    let k = key &+ SIMD3<Int32>(Int32(o & 1), Int32((o >> 1) & 1), Int32((o >> 2) & 1))
                    neighbour[o] = o == 0 ? b : grid.blockIndex[k].map { Int($0) } ?? -1
                }
                let base = key &<< 3
                /// Storage index of the corner at local coordinates 0…8, or −1.
                func corner(_ x: Int, _ y: Int, _ z: Int) -> Int {
                    let o = (x >> 3) | ((y >> 3) << 1) | ((z >> 3) << 2)
                    let nb = neighbour[o]
                    if nb < 0 { return -1 }
                    return nb * corners + (z & 7) * side * side + (y & 7) * side + (x & 7)
                }
                var value = [Float](repeating: 0, count: 8), index = [Int](repeating: 0, count: 8)
                for z in 0..<side {
                    for y in 0..<side {
                        cell: for x in 0..<side {
                            var negative = 0, positive = 0
                            for c in 0..<8 {
                                let i = corner(x + (c & 1), y + ((c >> 1) & 1), z + ((c >> 2) & 1))
                                if i < 0 { continue cell }
                                var f = distance[i]
                                if f.isNaN { continue cell }
                                if abs(f) < tiny { f = f < 0 ? -tiny : tiny }
                                value[c] = f; index[c] = i
                                if f < 0 { negative += 1 } else { positive += 1 }
                            }
                            if negative == 0 || positive == 0 { continue }
                            let origin = SIMD3<Int64>(Int64(base.x) + Int64(x), Int64(base.y) + Int64(y), Int64(base.z) + Int64(z))
                            /// The vertex on the edge between cell corners u and v.
                            func vertex(_ u: Int, _ v: Int) -> Int32 {
                                let (lo, hi) = u & v == u ? (u, v) : (v, u)
                                let g = origin &+ SIMD3<Int64>(Int64(lo & 1), Int64((lo >> 1) & 1), Int64((lo >> 2) & 1))
                                let packed = UInt64(bitPattern: ((g.x + (1 << 19)) << 40) | ((g.y + (1 << 19)) << 20) | (g.z + (1 << 19)))
                                let edgeKey = packed << 3 | UInt64(lo ^ hi)
                                if let existing = vertexOfEdge[edgeKey] { return existing }
                                out.keys.append(edgeKey)
                                out.shared.append(!Self.isInterior(SIMD3(x + (lo & 1), y + ((lo >> 1) & 1), z + ((lo >> 2) & 1)), along: lo ^ hi))
                                let fu = Double(value[lo]), fv = Double(value[hi])
                                let t = fu / (fu - fv)
                                let along = hi ^ lo
                                let pu = SIMD3<Double>(g), step = SIMD3<Double>(Double(along & 1), Double((along >> 1) & 1), Double((along >> 2) & 1))
                                out.vertices.append(h * (pu + t * step))
                                let tf = Float(t)
                                let n = (1 - tf) * grid.normal[index[lo]] + tf * grid.normal[index[hi]]
                                let l = (n * n).sum().squareRoot()
                                out.normals.append(l > 0 ? n / l : .zero)
                                if hasColor {
                                    let c = (1 - tf) * grid.color[index[lo]] + tf * grid.color[index[hi]]
                                    out.colors.append(SIMD3<UInt8>(pointwiseMin(pointwiseMax(c, .zero), SIMD3(repeating: 255)).rounded(.toNearestOrAwayFromZero)))
                                }
                                let id = Int32(out.vertices.count - 1)
                                vertexOfEdge.insert(edgeKey, id)
                                return id
                            }
                            for tet in tetrahedra {
                                var mask = 0
                                for k in 0..<4 where value[tet[k]] < 0 { mask |= 1 << k }
                                switch mask.nonzeroBitCount {
                                case 1, 3:
                                    let i = (mask.nonzeroBitCount == 1 ? mask : ~mask & 0xF).trailingZeroBitCount
                                    let p = lone[i]
                                    let a = vertex(tet[p[0]], tet[p[1]]), b = vertex(tet[p[0]], tet[p[2]]), c = vertex(tet[p[0]], tet[p[3]])
                                    out.faces.append(mask.nonzeroBitCount == 1 ? SIMD3(a, b, c) : SIMD3(a, c, b))
                                case 2:
                                    let p = pairFirst[mask]!
                                    let (a, b, c, d) = (tet[p[0]], tet[p[1]], tet[p[2]], tet[p[3]])
                                    let ac = vertex(a, c), ad = vertex(a, d), bd = vertex(b, d), bc = vertex(b, c)
                                    // The quad ac → ad → bd → bc, split along its shorter diagonal.
                                    let d1 = out.vertices[Int(ac)] - out.vertices[Int(bd)], d2 = out.vertices[Int(ad)] - out.vertices[Int(bc)]
                                    if (d1 * d1).sum() <= (d2 * d2).sum() {
                                        out.faces.append(SIMD3(ac, ad, bd)); out.faces.append(SIMD3(ac, bd, bc))
                                    } else {
                                        out.faces.append(SIMD3(ac, ad, bc)); out.faces.append(SIMD3(ad, bd, bc))
                                    }
                                default:
                                    break
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
