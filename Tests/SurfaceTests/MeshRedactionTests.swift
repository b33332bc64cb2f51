import Surface
import TestSupport
import Testing

/// Removing the head of a body scan: what is kept lies wholly on the kept side, nothing
/// painted survives, and the rest of the mesh is untouched.
struct MeshRedactionTests {
    static func patch() -> TriangleMesh {
        var mesh = MeshFixtures.heightField(half: 50, step: 1) { x, y in 0.01 * (x * x + y * y) }
        mesh.colors = mesh.vertices.map { _ in SIMD3<UInt8>(200, 150, 120) }
        return mesh
    }

    @Test func aPlaneCutKeepsOnlyTheFarSide() {
        let mesh = Self.patch()
        // Normal along +y through y = 20: the 30 mm strip above it is the "head".
        let (kept, removed) = mesh.redacted(.beyondPlane(point: SIMD3(0, 20, 0), normal: SIMD3(0, 2, 0)))
        #expect(kept.colors == nil && removed > 0 && kept.faces.count + removed == mesh.faces.count)
        #expect(kept.vertices.allSatisfy { $0.y <= 20 })
        // Every vertex at or below the plane whose faces are all kept survives: 71 rows of 101.
        #expect(kept.vertices.count == 71 * 101)
        #expect(abs(kept.area - mesh.redacted(.outsideBox(min: SIMD3(-60, -60, -10), max: SIMD3(60, 20, 100))).mesh.area) < 1e-9)
        #expect(kept.faces.allSatisfy { f in (0..<3).allSatisfy { Int(f[$0]) < kept.vertices.count } })
    }

    @Test func aBoxKeepsItsInside() {
        let mesh = Self.patch()
        let (kept, _) = mesh.redacted(.outsideBox(min: SIMD3(-10, -10, -1), max: SIMD3(10, 10, 100)))
        #expect(kept.vertices.allSatisfy { abs($0.x) <= 10 && abs($0.y) <= 10 })
        #expect(kept.vertices.count == 21 * 21 && kept.faces.count == 2 * 20 * 20)
    }
}
