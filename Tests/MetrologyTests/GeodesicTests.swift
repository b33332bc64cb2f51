import Foundation
import LinearAlgebra
import Metrology
import Surface
import TestSupport
import Testing

/// Geodesics against closed forms: a polygonal tube unrolls into a plane, so its exact
/// geodesic is a straight line there; on a meshed sphere, a great-circle arc.
@Suite(.enabled(if: releaseRun, "meshing and searching in a debug build take a minute: runs in scripts/test (release build)")) struct GeodesicTests {
    @Test func tubeGeodesicIsTheUnrolledStraightLine() throws {
        let r = 30.0, n = 96, height = 120.0
        let mesh = PlaneSectionTests.tube(radius: r, height: height, around: n, rings: 61)
        func onFacet(_ i: Int, fraction: Double, z: Double) -> SIMD3<Double> {
            let a0 = 2 * Double.pi * Double(i) / Double(n), a1 = 2 * Double.pi * Double(i + 1) / Double(n)
            let p0 = SIMD3(r * cos(a0), r * sin(a0), z), p1 = SIMD3(r * cos(a1), r * sin(a1), z)
            return p0 + fraction * (p1 - p0)
        }
        let a = onFacet(3, fraction: 0.5, z: 10.3), b = onFacet(21, fraction: 0.25, z: 95.1)
        let fa = mesh.closestPoint(to: a), fb = mesh.closestPoint(to: b)
        #expect(fa.distance < 1e-9 && fb.distance < 1e-9)
        let path = try #require(mesh.geodesic(from: a, onFace: fa.face, to: b, onFace: fb.face))
        let edge = 2 * r * sin(Double.pi / Double(n))
        let exact = ((Double(21 - 3) + 0.25 - 0.5) * edge * (Double(21 - 3) + 0.25 - 0.5) * edge + (95.1 - 10.3) * (95.1 - 10.3)).squareRoot()
        // Exact up to the straightening's convergence (measured 6e-6).
        #expect(abs(path.length / exact - 1) < 2e-5, "\(path.length) vs \(exact) (\(path.length / exact - 1))")
        #expect(path.points.first == a && path.points.last == b)
    }

    @Test func sphereGeodesicIsTheGreatCircleArc() throws {
        let r = 25.0, c = SIMD3(-30.0, 60.0, 880.0)
        var g = SeededGenerator(seed: 13)
        var p: [SIMD3<Float>] = [], nn: [SIMD3<Float>] = []
        for _ in 0..<60_000 {
            var u = SIMD3(g.gaussian(), g.gaussian(), g.gaussian()); u /= (u * u).sum().squareRoot()
            p.append(SIMD3<Float>(c + r * u)); nn.append(SIMD3<Float>(u))
        }
        let (mesh, report) = SurfaceMesher.mesh(positions: p, normals: nn)
        let u = normalize(SIMD3(1.0, 0.2, -0.3)), w = normalize(SIMD3(-0.4, 1.0, 0.5))
        let a = mesh.closestPoint(to: c + r * u), b = mesh.closestPoint(to: c + r * w)
        let path = try #require(mesh.geodesic(from: a.point, onFace: a.face, to: b.point, onFace: b.face))
        // The mesh's radius is r + r_s²/8r (see MeshingTests).
        let radius = r + pow(report.supportRadius, 2) / (8 * r)
        let exact = radius * acos(dot(u, w))
        // Measured +0.08 %: the mesh's own faceting and the bias estimate's ±30 %.
        #expect(abs(path.length / exact - 1) < 1e-3, "\(path.length) vs \(exact) (\(path.length / exact - 1))")
        // Shorter than the path along edges, and every point on the surface.
        #expect(path.points.allSatisfy { abs(length($0 - c) - radius) < 0.1 })
    }
}
