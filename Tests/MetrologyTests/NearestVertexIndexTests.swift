import Foundation
import Metrology
import Surface
import TestSupport
import Testing

/// The k-d tree finds what a scan of every vertex finds: the nearest vertex within the
/// radius, nothing beyond it, and the lowest index among equally near ones.
@Suite struct NearestVertexIndexTests {
    static func bruteForce(_ mesh: TriangleMesh, _ p: SIMD3<Double>, within radius: Double) -> (Int, Double)? {
        var best: (Int, Double)?
        for (i, v) in mesh.vertices.enumerated() {
            let d = ((p - v) * (p - v)).sum().squareRoot()
            if d <= radius, d < (best?.1 ?? .infinity) { best = (i, d) }
        }
        return best
    }

    @Test func agreesWithAScanOnAndOffTheSurface() {
        // A wavy 200 mm square at 2 mm (10,201 vertices), and points near it, above it and far off.
        let mesh = MeshFixtures.heightField(half: 100, step: 2) { x, y in 10 * sin(x / 17) * cos(y / 23) }
        let index = NearestVertexIndex(mesh)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Double(state >> 11) / Double(1 << 53) }
        var found = 0, missed = 0
        for k in 0..<3000 {
            let height = [0.5, 5, 30, 300][k % 4]
            let p = SIMD3(260 * uniform() - 130, 260 * uniform() - 130, height * (2 * uniform() - 1))
            for radius in [1.0, 10, 40] {
                let expected = Self.bruteForce(mesh, p, within: radius), got = index.nearest(to: p, within: radius)
                #expect(got?.0 == expected?.0 && got?.1 == expected?.1, "\(p) within \(radius)")
                if expected == nil { missed += 1 } else { found += 1 }
            }
        }
        #expect(found > 2000 && missed > 2000, "both cases exercised: \(found) found, \(missed) missed")
    }

    @Test func equallyNearVerticesGiveTheLowestIndex() {
        // Grid vertices: a point at a cell's centre is equally near four of them.
        let mesh = MeshFixtures.heightField(half: 10, step: 2) { _, _ in 0 }
        let index = NearestVertexIndex(mesh)
        for p in [SIMD3(1.0, 1, 0), SIMD3(-3.0, 5, 0), SIMD3(7.0, -9, 0.5)] {
            #expect(index.nearest(to: p, within: 5)?.0 == Self.bruteForce(mesh, p, within: 5)?.0)
        }
        #expect(index.nearest(to: SIMD3(0, 0, 50), within: 49.9) == nil)
        #expect(index.nearest(to: SIMD3(0, 0, 50), within: 50)?.1 == 50)
    }
}
