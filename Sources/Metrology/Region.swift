import Interchange
import Foundation
import LinearAlgebra
import Surface

/// A part of a mesh's surface enclosed by a closed loop of shortest paths between landmarks:
/// the faces inside the loop, and the parts of the faces it cuts, exactly.
public struct SurfaceRegion: Sendable {
    /// One planar piece of the region: a whole face, or the part of a face on the region's
    /// side of the loop. Counter-clockwise seen from outside, like the mesh's faces.
    public struct Piece: Sendable {
        public var points: [SIMD3<Double>]
        /// `onLoop[k]`: the side from `points[k]` to `points[k + 1]` (cyclically) lies on the
        /// boundary loop.
        public var onLoop: [Bool]
        /// The mesh face it lies in.
        public var face: Int
    }

    /// The boundary loop (mm); the last point joins the first.
    public var boundary: [SIMD3<Double>]
    public var pieces: [Piece]
    /// Measured mesh vertices (not hole patches) outside the region within the band given to
    /// `region(loop:band:)` of the loop, and their unit normals: the skin round the region,
    /// which a base surface is fitted to.
    public var surroundingPoints: [SIMD3<Double>]
    public var surroundingNormals: [SIMD3<Double>]
    /// Each surrounding point's distance (mm) from the loop (its nearest traced point).
    public var surroundingDistances: [Double]
    /// Area of the region (mm²).
    public var area: Double
    /// Length of the boundary loop (mm).
    public var perimeter: Double
    /// Faces the loop crosses more than once, counted whole or not at all by their corners
    /// (normally 0).
    public var approximatedFaces: Int
    /// Holes of the mesh inside the loop (closed with membranes before the loop is traced),
    /// and the area of their patches inside it (mm²): surface the cameras did not see.
    public var holesFilled: Int
    public var holeArea: Double
}

enum LoopSide { case inside, outside, loop }

/// A region that cannot be formed from the landmarks given.
public struct RegionError: TrinocularError, Equatable {
    public var fault: Fault { .badInput }
    public var problem: String
    public var description: String { problem }
}

extension TriangleMesh {
    /// The region enclosed by the loop through `landmarks` (in order; the last joins the
    /// first), each side a shortest path on the surface (`geodesic`).
    ///
    /// The loop splits the mesh's vertices into sides; the region is the smaller (every side
    /// but the one with the most vertices). Faces the loop crosses are cut
    /// along it, so the region's area is exact for the loop.
    /// - Parameter band: how far outside the loop (mm) `surroundingVertices` reach.
    /// - Throws: `RegionError` naming the landmarks when two are not joined by any path on
    ///   the surface, or the loop does not split the mesh.
    public func region(loop landmarks: [Landmarks.Landmark], band: Double = 40) throws -> SurfaceRegion {
        let names = landmarks.map { "'\($0.name)'" }.joined(separator: ", ")
        // Holes inside the mesh (every boundary loop but the longest, the mesh's edge) are
        // closed first: a path would hug a hole's rim, and a region with a hole in it would
        // lose what the cameras did not see. New faces are appended, so landmarks' faces hold.
        let loops = boundaryLoops()
        if loops.count > 1 {
            func perimeter(_ loop: [Int32]) -> Double {
                loop.indices.reduce(0.0) { $0 + length(vertices[Int(loop[($1 + 1) % loop.count])] - vertices[Int(loop[$1])]) }
            }
            let longest = loops.map(perimeter).max() ?? 0
            var filled = self
            filled.fillHoles(maximumPerimeter: .infinity, only: { perimeter($0) < longest })
            var region = try filled.tracedRegion(landmarks, band: band, names: names, measuredVertices: vertices.count)
            var holeArea = 0.0, holeFaces = Set<Int>()
            for p in region.pieces where p.face >= faces.count { holeArea += length(Self.vectorArea(p.points)); holeFaces.insert(p.face) }
            region.holeArea = holeArea
            region.holesFilled = holeFaces.isEmpty ? 0 : filled.components(amongFaces: Array(holeFaces))
            return region
        }
        return try tracedRegion(landmarks, band: band, names: names, measuredVertices: vertices.count)
    }

    private func tracedRegion(_ landmarks: [Landmarks.Landmark], band: Double, names: String, measuredVertices: Int) throws -> SurfaceRegion {
        guard landmarks.count >= 3 else {
            throw RegionError(problem: "a region's loop needs at least three landmarks, got \(landmarks.count) (\(names))")
        }
        // The loop: geodesics between consecutive landmarks.
        var points: [SIMD3<Double>] = [], segmentFaces: [Int] = [], edgeOf: [SIMD2<Int32>?] = []
        let edges = HalfEdges(self)
        for i in landmarks.indices {
            let a = landmarks[i], b = landmarks[(i + 1) % landmarks.count]
            guard let path = geodesic(from: a.point, onFace: a.face, to: b.point, onFace: b.face, edges: edges) else {
                throw RegionError(problem: "the loop does not close: no path on the surface joins '\(a.name)' and '\(b.name)' (they are on separate pieces of mesh)")
            }
            points += path.points.dropLast(); edgeOf += path.edges.dropLast(); segmentFaces += path.faces
        }
        // A stretch of the loop that runs along an edge (where a landmark lies on an edge, the
        // path steps into its face and straight back out) belongs as well to the face across
        // that edge: give it to the face the loop comes from and returns to, so each face's
        // crossing stays one piece.
        let m = segmentFaces.count
        if let first = (0..<m).first(where: { segmentFaces[$0] != segmentFaces[($0 + m - 1) % m] }) {
            var i = 0
            while i < m {
                var j = i
                while j + 1 < m, segmentFaces[(first + j + 1) % m] == segmentFaces[(first + i) % m] { j += 1 }
                let f = segmentFaces[(first + i) % m]
                let before = segmentFaces[(first + i + m - 1) % m], after = segmentFaces[(first + j + 1) % m]
                if before == after, before != f {
                    let a = faces[f], b = faces[before]
                    let shared = [a.x, a.y, a.z].filter { [b.x, b.y, b.z].contains($0) }
                    if shared.count == 2 {
                        let o = vertices[Int(shared[0])], d = vertices[Int(shared[1])] - o, l2 = dot(d, d)
                        let onEdge = (i...(j + 1)).allSatisfy { k in
                            let x = points[(first + k) % m] - o
                            return length(x - dot(x, d) / l2 * d) <= 1e-9 * l2.squareRoot()
                        }
                        if onEdge { for k in i...j { segmentFaces[(first + k) % m] = before } }
                    }
                }
                i = j + 1
            }
        }
        return try regionInside(points: points, segmentFaces: segmentFaces, edgeOf: edgeOf, band: band, names: names,
                                measuredVertices: measuredVertices, edges: edges)
    }

    /// Sides, pieces and surroundings of a loop already traced on this mesh.
    private func regionInside(points: [SIMD3<Double>], segmentFaces: [Int], edgeOf: [SIMD2<Int32>?], band: Double,
                              names: String, measuredVertices: Int, edges: HalfEdges) throws -> SurfaceRegion {
        let n = points.count
        // Edges the loop crosses, and vertices it passes through.
        var crossed = Set<UInt64>(), onLoopVertex = Set<Int32>()
        func key(_ u: Int32, _ v: Int32) -> UInt64 { UInt64(UInt32(min(u, v))) << 32 | UInt64(UInt32(max(u, v))) }
        for (i, e) in edgeOf.enumerated() {
            guard let e else { continue }
            crossed.insert(key(e.x, e.y))
            let a = vertices[Int(e.x)], b = vertices[Int(e.y)], tolerance = 1e-9 * max(length(b - a), 1e-12)
            if length(points[i] - a) <= tolerance { onLoopVertex.insert(e.x) }
            if length(points[i] - b) <= tolerance { onLoopVertex.insert(e.y) }
        }
        // Sides: vertices joined by edges the loop does not cross.
        var parent = [Int32](0..<Int32(vertices.count))
        func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r { let next = parent[Int(y)]; parent[Int(y)] = r; y = next }
            return r
        }
        var border = [Bool](repeating: false, count: vertices.count)
        for f in faces {
            for j in 0..<3 {
                let u = f[j], v = f[(j + 1) % 3]
                if edges.count(from: v, to: u) == 0 { border[Int(u)] = true; border[Int(v)] = true }
                if crossed.contains(key(u, v)) || onLoopVertex.contains(u) || onLoopVertex.contains(v) { continue }
                let ru = find(u), rv = find(v)
                if ru != rv { parent[Int(max(ru, rv))] = min(ru, rv) }
            }
        }
        // The sides that touch the loop.
        var sideSize: [Int32: Int] = [:]
        for e in edgeOf.compactMap({ $0 }) {
            for v in [e.x, e.y] where !onLoopVertex.contains(v) { sideSize[find(v)] = 0 }
        }
        for v in 0..<Int32(vertices.count) {
            let r = find(v)
            guard sideSize[r] != nil else { continue }
            sideSize[r]! += 1
        }
        // The region is every side but the largest: a loop drawn round a breast or a nose
        // encloses less than the rest of the capture. (Not "the side that does not reach the
        // mesh's edge": a pinhole inside the region is an edge too.)
        var inside = Set(sideSize.keys)
        if let largest = sideSize.max(by: { $0.value < $1.value })?.key { inside.remove(largest) }
        guard !inside.isEmpty else {
            throw RegionError(problem: "the loop through \(names) encloses no part of the surface: the mesh is one piece on both sides of it (do two of its paths cross, or does it run off the mesh's edge?). Place the landmarks round the region, inside the reconstructed surface, in order")
        }
        func side(_ v: Int32) -> LoopSide { onLoopVertex.contains(v) ? .loop : (inside.contains(find(v)) ? .inside : .outside) }

        // Runs of the loop through each face it crosses.
        guard let start = (0..<n).first(where: { segmentFaces[$0] != segmentFaces[($0 + n - 1) % n] }) else {
            throw RegionError(problem: "the loop through \(names) lies inside one face of the mesh; it encloses too little to measure")
        }
        var runs: [Int: [[SIMD3<Double>]]] = [:]
        var i = start
        repeat {
            let f = segmentFaces[i]
            var run = [points[i]]
            while segmentFaces[i] == f, run.count == 1 || i != start {
                run.append(points[(i + 1) % n]); i = (i + 1) % n
                if i == start { break }
            }
            runs[f, default: []].append(run)
        } while i != start

        var pieces: [SurfaceRegion.Piece] = []
        var approximated = 0
        // Which side of the loop's direction the region lies on: the vote of the faces the
        // loop crosses once, decided by their corners.
        var votes = 0
        for (index, faceRuns) in runs where faceRuns.count == 1 {
            let f = faces[index]
            if let piece = cut([f.x, f.y, f.z], [f.x, f.y, f.z].map(side), along: faceRuns[0]) {
                votes += piece.points.first == faceRuns[0].first && piece.onLoop.first == true ? 1 : -1
            }
        }
        let regionOnLeft = votes >= 0
        for (index, f) in faces.enumerated() {
            let corners = [f.x, f.y, f.z], sides = corners.map(side)
            if let faceRuns = runs[index] {
                if let cutPieces = split(corners, by: faceRuns, keepingLeft: regionOnLeft) {
                    for var piece in cutPieces { piece.face = index; pieces.append(piece) }
                } else {
                    approximated += 1
                    if sides.filter({ $0 == .inside }).count >= 2 {
                        pieces.append(.init(points: corners.map { vertices[Int($0)] }, onLoop: [false, false, false], face: index))
                    }
                }
            } else if sides.contains(.inside), !sides.contains(.outside) {
                pieces.append(.init(points: corners.map { vertices[Int($0)] }, onLoop: [false, false, false], face: index))
            }
        }
        var area = 0.0
        for p in pieces { area += length(Self.vectorArea(p.points)) }
        var perimeter = 0.0
        for k in 0..<n { perimeter += length(points[(k + 1) % n] - points[k]) }

        // The surrounding skin: outside vertices within `band` of the loop.
        let cell = max(band, 1e-3)
        var grid: [SIMD3<Int32>: [Int]] = [:]
        for (k, p) in points.enumerated() { grid[SIMD3<Int32>((p / cell).rounded(.down)), default: []].append(k) }
        var surrounding: [Int32] = [], distances: [Double] = []
        for v in 0..<Int32(measuredVertices) where !border[Int(v)] && side(v) == .outside {
            let x = vertices[Int(v)], c = SIMD3<Int32>((x / cell).rounded(.down))
            var nearest = Double.infinity
            for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
                for k in grid[c &+ SIMD3(Int32(dx), Int32(dy), Int32(dz))] ?? [] { nearest = min(nearest, length(points[k] - x)) }
            } } }
            if nearest <= band { surrounding.append(v); distances.append(nearest) }
        }
        var normalSum = [SIMD3<Double>](repeating: .zero, count: vertices.count)
        var wanted = [Bool](repeating: false, count: vertices.count)
        for v in surrounding { wanted[Int(v)] = true }
        for f in faces where wanted[Int(f.x)] || wanted[Int(f.y)] || wanted[Int(f.z)] {
            let n = cross(vertices[Int(f.y)] - vertices[Int(f.x)], vertices[Int(f.z)] - vertices[Int(f.x)])
            for v in [f.x, f.y, f.z] where wanted[Int(v)] { normalSum[Int(v)] += n }
        }
        return SurfaceRegion(boundary: points, pieces: pieces,
                             surroundingPoints: surrounding.map { vertices[Int($0)] },
                             surroundingNormals: surrounding.map { normalize(normalSum[Int($0)]) }, surroundingDistances: distances,
                             area: area, perimeter: perimeter, approximatedFaces: approximated, holesFilled: 0, holeArea: 0)
    }

    /// How many edge-connected groups the given faces form (hole patches).
    func components(amongFaces list: [Int]) -> Int {
        let set = Set(list)
        var parent: [Int: Int] = [:]
        for f in list { parent[f] = f }
        func find(_ x: Int) -> Int { var r = x; while parent[r]! != r { r = parent[r]! }; return r }
        var byEdge: [UInt64: Int] = [:]
        for f in list {
            let t = faces[f]
            for j in 0..<3 {
                let u = t[j], v = t[(j + 1) % 3], k = UInt64(UInt32(min(u, v))) << 32 | UInt64(UInt32(max(u, v)))
                if let g = byEdge[k], set.contains(g) { let a = find(f), b = find(g); if a != b { parent[a] = b } } else { byEdge[k] = f }
            }
        }
        return Set(list.map(find)).count
    }

    /// The parts of a triangle on one side of the loop's runs through it: the triangle cut
    /// along every run (runs do not cross) into pieces, each traced counter-clockwise —
    /// along the boundary forward, along a run to its other end — and kept when it follows
    /// its runs in the loop's direction (`keepingLeft`) or against it. nil when a run does
    /// not start and end on the triangle's boundary.
    private func split(_ corners: [Int32], by runs: [[SIMD3<Double>]], keepingLeft: Bool) -> [SurfaceRegion.Piece]? {
        let c = corners.map { vertices[Int($0)] }
        func position(_ x: SIMD3<Double>) -> (s: Double, off: Double) { Self.boundaryPosition(x, c) }
        let scale = length(c[1] - c[0]) + length(c[2] - c[1])
        // Chord ends: (position, run, is it the run's start).
        var ends: [(s: Double, run: Int, start: Bool)] = []
        for (r, run) in runs.enumerated() {
            let a = position(run[0]), b = position(run[run.count - 1])
            guard a.off <= 1e-7 * scale, b.off <= 1e-7 * scale, abs(a.s - b.s) > 1e-12 else { return nil }
            ends.append((a.s, r, true)); ends.append((b.s, r, false))
        }
        func forward(_ a: Double, _ b: Double) -> Double { let d = b - a; return d <= 0 ? d + 3 : d }
        var used = Set<Int>()   // 2·run + (1 if traversed backwards)
        var out: [SurfaceRegion.Piece] = []
        for r0 in runs.indices {
            for backwards0 in [false, true] where !used.contains(2 * r0 + (backwards0 ? 1 : 0)) {
                var points: [SIMD3<Double>] = [], onLoop: [Bool] = []
                var r = r0, backwards = backwards0, followsLoop = !backwards0, guardCount = 0
                while guardCount < 2 * runs.count + 2 {
                    guardCount += 1
                    used.insert(2 * r + (backwards ? 1 : 0))
                    let chord = backwards ? runs[r].reversed() : runs[r]
                    points += chord.dropLast(); onLoop += Array(repeating: true, count: chord.count - 1)
                    // Forward along the boundary from the chord's end to the next chord end.
                    let from = position(chord[chord.count - 1]).s
                    guard let next = ends.filter({ !($0.run == r && $0.start == backwards) })
                        .min(by: { forward(from, $0.s) < forward(from, $1.s) }) else { return nil }
                    let limit = forward(from, next.s)
                    let passed = (0..<3).filter { k in let f = forward(from, Double(k)); return f > 0 && f < limit }
                        .sorted { forward(from, Double($0)) < forward(from, Double($1)) }
                    points.append(chord[chord.count - 1]); onLoop.append(false)
                    for k in passed { points.append(c[k]); onLoop.append(false) }
                    r = next.run; backwards = !next.start
                    if r == r0 && backwards == backwards0 { break }
                    if (backwards == false) != followsLoop { followsLoop = !backwards }
                }
                if followsLoop == keepingLeft, points.count >= 3 { out.append(.init(points: points, onLoop: onLoop, face: -1)) }
            }
        }
        return out
    }

    /// The part of a triangle on the inside of one run of the loop through it.
    private func cut(_ corners: [Int32], _ sides: [LoopSide], along run: [SIMD3<Double>]) -> SurfaceRegion.Piece? {
        let c = corners.map { vertices[Int($0)] }
        func position(_ x: SIMD3<Double>) -> Double { Self.boundaryPosition(x, c).s }
        func forward(_ a: Double, _ b: Double) -> Double { let d = b - a; return d < 0 ? d + 3 : d }
        let s0 = position(run[0]), s1 = position(run[run.count - 1])
        guard abs(s0 - s1) > 1e-12 else { return nil }
        /// Corners met going forward (the faces' orientation) from boundary position a to b.
        func arc(_ a: Double, _ b: Double) -> [Int] {
            (0..<3).filter { k in let f = forward(a, Double(k)); return f > 0 && f < forward(a, b) }
                .sorted { forward(a, Double($0)) < forward(a, Double($1)) }
        }
        let arcA = arc(s1, s0), arcB = arc(s0, s1)
        let useA: Bool
        if arcA.contains(where: { sides[$0] == .inside }) { useA = true }
        else if arcA.contains(where: { sides[$0] == .outside }) { useA = false }
        else { useA = !arcB.contains(where: { sides[$0] == .inside }) }
        let chord = useA ? run : run.reversed()
        let tail = (useA ? arcA : arcB).map { c[$0] }
        return .init(points: chord + tail,
                     onLoop: Array(repeating: true, count: chord.count - 1) + Array(repeating: false, count: tail.count + 1), face: -1)
    }

    /// Where `x` lies along triangle `c`'s boundary: side j (corner j to j + 1) at fraction t
    /// gives s = j + t (0 ≤ s < 3), with its distance from that side (mm).
    static func boundaryPosition(_ x: SIMD3<Double>, _ c: [SIMD3<Double>]) -> (s: Double, off: Double) {
        var best = (off: Double.infinity, s: 0.0)
        for j in 0..<3 {
            let a = c[j], d = c[(j + 1) % 3] - a
            let t = min(max(dot(x - a, d) / max(dot(d, d), 1e-300), 0), 1)
            let e = length(a + t * d - x)
            if e < best.off { best = (e, (Double(j) + t).truncatingRemainder(dividingBy: 3)) }
        }
        return (best.s, best.off)
    }

    /// Half the sum of the cross products round a planar polygon: its normal times its area.
    static func vectorArea(_ p: [SIMD3<Double>]) -> SIMD3<Double> {
        var s = SIMD3<Double>.zero
        for k in 1..<(p.count - 1) { s += cross(p[k] - p[0], p[k + 1] - p[0]) }
        return 0.5 * s
    }
}

/// A patch of surface no camera saw, filled when the mesh was made (a hole spanned by a
/// membrane): its area (mm²) and the centroid of its boundary (mm, the mesh's frame).
public struct UnseenPatch: Sendable, Equatable {
    public var area: Double
    public var centre: SIMD3<Double>
    public init(area: Double, centre: SIMD3<Double>) { self.area = area; self.centre = centre }

    /// The patches whose centre lies on a face of `region` (near its loop's bounding box,
    /// then by the mesh's closest face): how many, and their area (mm²).
    static func inside(_ region: SurfaceRegion, of mesh: TriangleMesh, _ patches: [UnseenPatch]) -> (count: Int, area: Double) {
        guard !patches.isEmpty, let first = region.boundary.first else { return (0, 0) }
        var lo = first, hi = first
        for p in region.boundary { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        let margin = SIMD3<Double>(repeating: 0.25 * max((hi - lo).max(), 1))
        let faces = Set(region.pieces.map(\.face))
        var count = 0, area = 0.0
        for patch in patches where all(patch.centre .>= lo - margin) && all(patch.centre .<= hi + margin) {
            if faces.contains(mesh.closestPoint(to: patch.centre).face) { count += 1; area += patch.area }
        }
        return (count, area)
    }
}
