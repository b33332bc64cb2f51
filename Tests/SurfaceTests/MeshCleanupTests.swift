import Surface
import Testing

/// The meshing stage's repairs, whose edge scans run in parallel runs of vertices (issue 22).
struct MeshCleanupTests {
    @Test func aThirdFaceOnAnEdgeAndADegenerateFaceGo() {
        var mesh = TriangleMesh(vertices: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1), SIMD3(2, 2, 2)],
                                faces: [SIMD3(0, 1, 2), SIMD3(1, 0, 3), SIMD3(0, 1, 4), SIMD3(0, 0, 5)])
        let removed = mesh.removeDegenerateAndNonManifoldFaces()
        #expect(removed.degenerate == 1 && removed.nonManifold == 1)
        #expect(mesh.faces.count == 2 && mesh.vertices.count == 4)  // the fan's third face and the unused vertices 4, 5
        #expect(mesh.topology.nonManifoldEdges == 0)
    }

    /// 130 × 130 vertices (several parallel runs) with a 10 × 10-cell hole: two borders.
    @Test func aGridWithAHoleHasItsBorderAndItsHole() {
        let n = 130
        var vertices: [SIMD3<Double>] = [], faces: [SIMD3<Int32>] = []
        for y in 0..<n { for x in 0..<n { vertices.append(SIMD3(Double(x), Double(y), 0)) } }
        for y in 0..<(n - 1) {
            for x in 0..<(n - 1) where !((60..<70).contains(x) && (60..<70).contains(y)) {
                let a = Int32(y * n + x), b = a + 1, c = a + Int32(n), d = c + 1
                faces.append(SIMD3(a, b, d)); faces.append(SIMD3(a, d, c))
            }
        }
        var mesh = TriangleMesh(vertices: vertices, faces: faces)
        #expect(mesh.removeDegenerateAndNonManifoldFaces() == (0, 0))
        #expect(mesh.faces.count == faces.count)
        let loops = mesh.boundaryLoops().map(\.count).sorted()
        #expect(loops == [40, 4 * (n - 1)])
    }
}
