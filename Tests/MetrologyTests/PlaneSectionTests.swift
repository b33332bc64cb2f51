import Foundation
import Metrology
import Surface
import TestSupport
import Testing

/// Cross-sections against exact answers: a polygonal tube cut across is a regular polygon,
/// cut along its axis two straight lines; a meshed sphere cut through its centre is a
/// great circle.
@Suite struct PlaneSectionTests {
    /// An open tube: `n` vertices around (radius r) on `rings` rings from z = 0 to z = height,
    /// wound outward.
    static func tube(radius r: Double, height: Double, around n: Int, rings: Int) -> TriangleMesh {
        var vertices: [SIMD3<Double>] = [], faces: [SIMD3<Int32>] = []
        for k in 0..<rings {
            for i in 0..<n {
                let a = 2 * Double.pi * Double(i) / Double(n)
                vertices.append(SIMD3(r * cos(a), r * sin(a), height * Double(k) / Double(rings - 1)))
            }
        }
        for k in 0..<(rings - 1) {
            for i in 0..<n {
                let a = Int32(k * n + i), b = Int32(k * n + (i + 1) % n), c = a + Int32(n), d = b + Int32(n)
                faces.append(SIMD3(a, b, d)); faces.append(SIMD3(a, d, c))
            }
        }
        return TriangleMesh(vertices: vertices, faces: faces)
    }

    @Test func tubeCutAcrossIsItsPolygon() {
        let r = 37.0, n = 48
        let mesh = Self.tube(radius: r, height: 80, around: n, rings: 9)
        let curves = mesh.section(by: Plane(point: SIMD3(0, 0, 23.4), normal: SIMD3(0, 0, 1)))
        // Each facet is cut across its diagonal too: 2n points, n of them mid-facet on the chords.
        #expect(curves.count == 1 && curves[0].isClosed && curves[0].points.count == 2 * n)
        let exact = 2 * Double(n) * r * sin(Double.pi / Double(n))
        #expect(abs(curves[0].length - exact) < 1e-9 * exact, "\(curves[0].length) vs \(exact)")
        // Counter-clockwise about +z (and about −z when the plane is flipped).
        let p = curves[0].points
        #expect(p[0].x * p[1].y - p[0].y * p[1].x > 0)
        let flipped = mesh.section(by: Plane(point: SIMD3(0, 0, 23.4), normal: SIMD3(0, 0, -1)))[0].points
        #expect(flipped[0].x * flipped[1].y - flipped[0].y * flipped[1].x < 0)
    }

    @Test func tubeCutAlongItsAxisGivesTwoOpenLines() {
        let mesh = Self.tube(radius: 20, height: 60, around: 40, rings: 7)
        // A plane through the axis, between vertices: two straight generators of the tube.
        let curves = mesh.section(by: Plane(point: .zero, normal: SIMD3(cos(0.05), sin(0.05), 0)))
        #expect(curves.count == 2 && curves.allSatisfy { !$0.isClosed })
        for c in curves { #expect(abs(c.length - 60) < 1e-9, "\(c.length)") }
    }

    @Test func sphereThroughItsCentreIsAGreatCircle() {
        let r = 25.0, c = SIMD3(100.0, -40.0, 900.0)
        var g = SeededGenerator(seed: 9)
        var p: [SIMD3<Float>] = [], n: [SIMD3<Float>] = []
        for _ in 0..<60_000 {
            var u = SIMD3(g.gaussian(), g.gaussian(), g.gaussian()); u /= (u * u).sum().squareRoot()
            p.append(SIMD3<Float>(c + r * u)); n.append(SIMD3<Float>(u))
        }
        let (mesh, report) = SurfaceMesher.mesh(positions: p, normals: n)
        let plane = Plane(through: c, c + SIMD3(1, 0.2, 0), c + SIMD3(0, 0.3, 1))!
        let curves = mesh.section(by: plane)
        #expect(curves.count == 1 && curves[0].isClosed)
        // The mesh sits r²/8R outside the sphere (see MeshingTests); the circle follows it.
        let expected = 2 * Double.pi * (r + pow(report.supportRadius, 2) / (8 * r))
        #expect(abs(curves[0].length / expected - 1) < 0.002, "\(curves[0].length) vs \(expected)")
        #expect(curves[0].points.allSatisfy { abs(plane.distance($0)) < 1e-9 })
    }

    @Test func collinearPointsMakeNoPlane() {
        #expect(Plane(through: SIMD3(0, 0, 0), SIMD3(1, 1, 1), SIMD3(2, 2, 2)) == nil)
    }
}
