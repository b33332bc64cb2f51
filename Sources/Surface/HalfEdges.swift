import Foundation
import Parallelism

/// The faces' directed edges grouped by their start vertex (compressed rows): the
/// adjacency that topology checks, cleanup and hole finding walk, built in two linear
/// passes without hashing so that meshes of millions of faces stay quick.
public struct HalfEdges: Sendable {
    /// Half-edges starting at vertex v: `start[v] ..< start[v + 1]`.
    public private(set) var start: [Int32]
    /// Per half-edge: its end vertex and its face.
    public private(set) var end: [Int32]
    public private(set) var face: [Int32]

    public init(_ mesh: TriangleMesh) {
        self.init(vertexCount: mesh.vertices.count, faces: mesh.faces)
    }

    /// The half-edges of `faces` over vertices `0 ..< vertexCount`.
    public init(vertexCount n: Int, faces: [SIMD3<Int32>]) {
        var start = [Int32](repeating: 0, count: n + 1)
        for f in faces {
            // Checked here, once, for the unchecked fill below (readers refuse such files).
            precondition(f.min() >= 0 && Int(f.max()) < n, "face \(f) indexes outside 0..<\(n)")
            start[Int(f.x) + 1] += 1; start[Int(f.y) + 1] += 1; start[Int(f.z) + 1] += 1
        }
        for v in 0..<n { start[v + 1] += start[v] }
        var fill = start
        var end = [Int32](repeating: 0, count: faces.count * 3), face = end
        // Through buffer pointers: a nested function capturing the arrays would box them and
        // check exclusive access on every write (a tenth of decimation's time).
        fill.withUnsafeMutableBufferPointer { fill in
            end.withUnsafeMutableBufferPointer { end in
                face.withUnsafeMutableBufferPointer { face in
                    for (i, f) in faces.enumerated() {
                        let a = Int(fill[Int(f.x)]); fill[Int(f.x)] += 1
                        let b = Int(fill[Int(f.y)]); fill[Int(f.y)] += 1
                        let c = Int(fill[Int(f.z)]); fill[Int(f.z)] += 1
                        end[a] = f.y; face[a] = Int32(i)
                        end[b] = f.z; face[b] = Int32(i)
                        end[c] = f.x; face[c] = Int32(i)
                    }
                }
            }
        }
        self.start = start; self.end = end; self.face = face
    }

    /// Half-edges u → v (0, 1 or more when non-manifold).
    @inline(__always)
    public func count(from u: Int32, to v: Int32) -> Int {
        var c = 0
        for k in Int(start[Int(u)])..<Int(start[Int(u) + 1]) where end[k] == v { c += 1 }
        return c
    }

    /// Calls `body(lo, hi, forward, backward)` once per undirected edge, lo < hi, with the
    /// number of faces running it lo → hi and hi → lo.
    public func forEachEdge(_ body: (Int32, Int32, Int, Int) -> Void) {
        for u in 0..<Int32(start.count - 1) {
            for k in Int(start[Int(u)])..<Int(start[Int(u) + 1]) {
                let v = end[k]
                // Each edge once: from the first half-edge u → v in u's row, when u is the
                // lower end, or when no half-edge runs the other way to be seen from v.
                guard v != u, firstIndex(from: u, to: v) == k else { continue }
                if u < v {
                    body(u, v, count(from: u, to: v), count(from: v, to: u))
                } else if count(from: v, to: u) == 0 {
                    body(v, u, 0, count(from: u, to: v))
                }
            }
        }
    }

    /// Whether some edge is run by more than two faces (either way), scanned in parallel.
    public var hasEdgeOfMoreThanTwoFaces: Bool {
        inRunsOfRows { rows in
            for u in rows {
                for k in Int(start[Int(u)])..<Int(start[Int(u) + 1]) where count(from: u, to: end[k]) + count(from: end[k], to: u) > 2 {
                    return true
                }
            }
            return false
        }.contains(true)
    }

    /// The boundary half-edges (run by one face, none the other way) as (v, u) for each
    /// half-edge u → v, in the order of u and then of u's row; scanned in parallel.
    public var reversedBoundaryHalfEdges: [(Int32, Int32)] {
        inRunsOfRows { rows in
            var list: [(Int32, Int32)] = []
            for u in rows {
                for k in Int(start[Int(u)])..<Int(start[Int(u) + 1]) {
                    let v = end[k]
                    if count(from: u, to: v) == 1 && count(from: v, to: u) == 0 { list.append((v, u)) }
                }
            }
            return list
        }.flatMap { $0 }
    }

    /// `body` over consecutive runs of start vertices (up to 64, of 4096 or more rows each)
    /// on `Parallel`'s workers, the results in run order.
    private func inRunsOfRows<T: Sendable>(_ body: @Sendable (Range<Int32>) -> T) -> [T] {
        let rows = start.count - 1, runs = max(1, min(rows / 4096, 64))
        return Parallel.map(iterations: runs) { run in body(Int32(run * rows / runs)..<Int32((run + 1) * rows / runs)) }
    }

    @inline(__always)
    public func firstIndex(from u: Int32, to v: Int32) -> Int {
        for k in Int(start[Int(u)])..<Int(start[Int(u) + 1]) where end[k] == v { return k }
        return -1
    }
}
