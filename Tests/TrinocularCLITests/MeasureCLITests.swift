import Foundation
import Interchange
import Surface
import TestSupport
import Testing

/// `trinocular measure MESH`: a closed mesh gets its volume, an open one is refused it, a
/// corrupt file exits 2 naming it.
@Suite struct MeasureCLITests {
    /// A cube of side 20 mm, 12 outward triangles.
    static func cube(open: Bool) -> TriangleMesh {
        var v: [SIMD3<Double>] = []
        for i in 0..<8 {
            let x = Double(i & 1), y = Double((i >> 1) & 1), z = Double((i >> 2) & 1)
            v.append(SIMD3(20 * x, 20 * y, 20 * z))
        }
        let triples: [[Int32]] = [[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
                                  [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]]
        var f = triples.map { SIMD3<Int32>($0[0], $0[1], $0[2]) }
        if open { f.removeLast(2) }
        return TriangleMesh(vertices: v, faces: f)
    }

    @Test func closedOpenAndCorruptMeshes() throws {
        let dir = try TestPaths.temporaryFolder("measure")
        defer { try? FileManager.default.removeItem(at: dir) }
        let closed = dir.appendingPathComponent("cube.ply"), open = dir.appendingPathComponent("open.ply"), bad = dir.appendingPathComponent("bad.ply")
        try Data(PLYMesh.encode(Self.cube(open: false))).write(to: closed)
        try Data(PLYMesh.encode(Self.cube(open: true), encoding: .ascii)).write(to: open)
        try Data(PLYMesh.encode(Self.cube(open: false)).dropLast(7)).write(to: bad)

        let a = try Run(["measure", closed.path, "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let ja = try JSONValue.parse(Data(a.stdout.utf8))
        #expect(ja["closed"]?.bool == true)
        #expect(abs((ja["volumeMm3"]?.number ?? 0) - 8000) < 1e-6)
        #expect(abs((ja["areaMm2"]?.number ?? 0) - 2400) < 1e-6)

        let b = try Run(["measure", open.path])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stdout.contains("closed    no: 4 boundary edges") && b.stdout.contains("volume    refused"))

        let c = try Run(["measure", bad.path])
        #expect(c.status == 2 && c.stderr.contains("bad.ply") && c.stderr.contains("truncated"))
    }
}
