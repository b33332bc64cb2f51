import Foundation
import Surface
import Testing

/// Closed meshes built here with volumes and areas known in closed form; open and
/// inconsistently wound meshes are refused a volume (issue 6).
@Suite struct VolumeTests {
    /// Orients each face so that its normal points away from `inside(centroid)`.
    static func oriented(_ vertices: [SIMD3<Double>], _ faces: [SIMD3<Int32>], inside: (SIMD3<Double>) -> SIMD3<Double>) -> [SIMD3<Int32>] {
        faces.map { f in
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = cross3(b - a, c - a), centroid = (a + b + c) / 3
            return (n * (centroid - inside(centroid))).sum() >= 0 ? f : SIMD3(f.x, f.z, f.y)
        }
    }

    static func cross3(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }

    /// An axis-aligned box of sides s, off the origin.
    static func box(_ s: SIMD3<Double>, at o: SIMD3<Double>) -> TriangleMesh {
        var v: [SIMD3<Double>] = []
        for i in 0..<8 { v.append(o + s * SIMD3(Double(i & 1), Double((i >> 1) & 1), Double((i >> 2) & 1))) }
        let quads: [[Int32]] = [[0, 1, 3, 2], [4, 5, 7, 6], [0, 1, 5, 4], [2, 3, 7, 6], [0, 2, 6, 4], [1, 3, 7, 5]]
        let faces = quads.flatMap { q in [SIMD3(q[0], q[1], q[2]), SIMD3(q[0], q[2], q[3])] }
        let centre = o + s / 2
        return TriangleMesh(vertices: v, faces: oriented(v, faces) { _ in centre })
    }

    /// The regular icosahedron with edge 2: (0, ±1, ±φ) and its cyclic permutations.
    static func icosahedron(scale: Double) -> TriangleMesh {
        let p = (1 + 5.0.squareRoot()) / 2
        var v: [SIMD3<Double>] = []
        for s1 in [-1.0, 1] { for s2 in [-1.0, 1] {
            v += [SIMD3(0, s1, s2 * p), SIMD3(s1, s2 * p, 0), SIMD3(s2 * p, 0, s1)]
        } }
        v = v.map { $0 * scale }
        var faces: [SIMD3<Int32>] = []
        let edge = 2 * scale
        func isEdge(_ i: Int, _ j: Int) -> Bool { abs(((v[i] - v[j]) * (v[i] - v[j])).sum().squareRoot() - edge) < 1e-9 * scale }
        for i in 0..<12 { for j in (i + 1)..<12 where isEdge(i, j) { for k in (j + 1)..<12 where isEdge(i, k) && isEdge(j, k) {
            faces.append(SIMD3(Int32(i), Int32(j), Int32(k)))
        } } }
        return TriangleMesh(vertices: v, faces: oriented(v, faces) { _ in .zero })
    }

    /// A torus of m segments around the axis and a regular n-gon cross-section (circumradius
    /// a) centred R from the axis. Its faces are planar trapezoids (split in two).
    static func torus(m: Int, n: Int, R: Double, a: Double) -> TriangleMesh {
        var v: [SIMD3<Double>] = []
        for j in 0..<m {
            let t = 2 * Double.pi * Double(j) / Double(m)
            for k in 0..<n {
                let s = 2 * Double.pi * Double(k) / Double(n)
                let r = R + a * cos(s)
                v.append(SIMD3(r * cos(t), r * sin(t), a * sin(s)))
            }
        }
        var faces: [SIMD3<Int32>] = []
        for j in 0..<m { for k in 0..<n {
            let i00 = Int32(j * n + k), i01 = Int32(j * n + (k + 1) % n), i10 = Int32(((j + 1) % m) * n + k), i11 = Int32(((j + 1) % m) * n + (k + 1) % n)
            faces += [SIMD3(i00, i10, i11), SIMD3(i00, i11, i01)]
        } }
        // Outward: away from the tube's centre circle, in the plane of the point's meridian.
        return TriangleMesh(vertices: v, faces: oriented(v, faces) { c in
            let rho = (c.x * c.x + c.y * c.y).squareRoot()
            return SIMD3(c.x / rho * R, c.y / rho * R, 0)
        })
    }

    @Test func boxVolumeAndArea() throws {
        let s = SIMD3(30.0, 40.0, 50.0)
        let mesh = Self.box(s, at: SIMD3(1000, -200, 700))
        #expect(mesh.topology.isClosed)
        let v = try mesh.volume()
        #expect(abs(v - 60_000) / 60_000 < 1e-12, "\(v)")
        #expect(abs(mesh.area - 2 * (1200 + 1500 + 2000)) / 9400 < 1e-12)
    }

    @Test func icosahedronVolumeAndArea() throws {
        let mesh = Self.icosahedron(scale: 37.5)   // edge 75 mm
        #expect(mesh.faces.count == 20)
        let a = 75.0
        let volume = 5.0 / 12 * (3 + 5.0.squareRoot()) * a * a * a, area = 5 * 3.0.squareRoot() * a * a
        #expect(abs(try mesh.volume() - volume) / volume < 1e-9)
        #expect(abs(mesh.area - area) / area < 1e-12)
    }

    @Test func torusVolume() throws {
        let (m, n, R, a) = (96, 24, 80.0, 25.0)
        let mesh = Self.torus(m: m, n: n, R: R, a: a)
        #expect(mesh.topology.isClosed, "\(mesh.topology)")
        // Planar-faced wedges: V = m sin(2π/m) · (area of the n-gon) · R.
        let polygon = Double(n) / 2 * a * a * sin(2 * Double.pi / Double(n))
        let exact = Double(m) * sin(2 * Double.pi / Double(m)) * polygon * R
        let v = try mesh.volume()
        #expect(abs(v - exact) / exact < 1e-9, "\(v) vs \(exact)")
    }

    @Test func openAndInconsistentMeshesAreRefused() throws {
        var open = Self.box(SIMD3(10, 10, 10), at: .zero)
        open.faces.removeLast()
        #expect(open.topology.boundaryEdges == 3)
        #expect(throws: VolumeRefused.self) { try open.volume() }
        do { _ = try open.volume() } catch let e as VolumeRefused { #expect(e.reason.contains("3 boundary edges")) }

        var flipped = Self.box(SIMD3(10, 10, 10), at: .zero)
        flipped.faces[0] = SIMD3(flipped.faces[0].x, flipped.faces[0].z, flipped.faces[0].y)
        #expect(flipped.topology.inconsistentEdges == 3)
        #expect(throws: VolumeRefused.self) { try flipped.volume() }

        // Turned inside out as a whole: closed, negative volume.
        var inverted = Self.box(SIMD3(10, 10, 10), at: .zero)
        inverted.faces = inverted.faces.map { SIMD3($0.x, $0.z, $0.y) }
        #expect(abs(try inverted.volume() + 1000) < 1e-9)

        // Two boxes sharing an edge through a third face: non-manifold.
        var doubled = Self.box(SIMD3(10, 10, 10), at: .zero)
        doubled.faces.append(doubled.faces[0])
        #expect(doubled.topology.nonManifoldEdges > 0)
        #expect(throws: VolumeRefused.self) { try doubled.volume() }
        #expect(throws: VolumeRefused.self) { try TriangleMesh(vertices: [], faces: []).volume() }
    }
}
