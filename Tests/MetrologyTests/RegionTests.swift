import Foundation
import LinearAlgebra
import Metrology
import Surface
import TestSupport
import Testing

/// Regions inside landmark loops: exact areas on planes, volumes against fitted bases.
@Suite(.enabled(if: releaseRun, "geodesic loops in a debug build take a minute and a half: runs in scripts/test (release build)")) struct RegionTests {
    static func heightField(half: Double, step: Double, _ f: (Double, Double) -> Double) -> TriangleMesh {
        MeshFixtures.heightField(half: half, step: step, f)
    }

    static func loop(_ mesh: TriangleMesh, _ points: [SIMD2<Double>], z: (Double, Double) -> Double) -> [Landmarks.Landmark] {
        points.enumerated().map { k, p in Landmarks.Landmark(name: "L\(k)", nearest: SIMD3(p.x, p.y, z(p.x, p.y)), on: mesh) }
    }

    @Test func aPolygonOnAPlaneHasItsExactArea() throws {
        let mesh = Self.heightField(half: 60, step: 1.7) { _, _ in 0 }
        // An irregular pentagon whose sides cut faces at all angles.
        let corners: [SIMD2<Double>] = [[-31.3, -22.1], [27.7, -35.9], [41.2, 12.3], [3.1, 38.8], [-37.4, 19.5]]
        let region = try mesh.region(loop: Self.loop(mesh, corners) { _, _ in 0 })
        var area = 0.0
        for k in corners.indices { let a = corners[k], b = corners[(k + 1) % corners.count]; area += 0.5 * (a.x * b.y - b.x * a.y) }
        // The pieces are exact for the traced loop; the loop's sides are locally shortest
        // paths, which can pass a vertex on the wrong side by up to a Steiner spacing (edge/13),
        // moving the boundary by ~0.1 mm: 0.16 % of this 4,032 mm² here.
        #expect(abs(region.area - area) < 0.003 * area, "area \(region.area) vs \(area)")
        #expect(region.approximatedFaces <= 2)
        // Listing the landmarks the other way round encloses the same region.
        let reversed = try mesh.region(loop: Self.loop(mesh, corners.reversed()) { _, _ in 0 })
        #expect(abs(reversed.area - area) < 0.003 * area)
        // Pieces sum to the region: each cut face's piece is inside its triangle.
        #expect(region.pieces.allSatisfy { $0.face >= 0 && $0.points.count >= 3 })
    }

    @Test func aBumpsVolumeAgainstAPlaneAndAQuadricBase() throws {
        // A Gaussian bump (A 12 mm, σ 10 mm) on a tilted plane, then on a sphere of radius 200.
        let amplitude = 12.0, sigma = 10.0
        func bump(_ x: Double, _ y: Double) -> Double { amplitude * exp(-(x * x + y * y) / (2 * sigma * sigma)) }
        let circle = (0..<10).map { k -> SIMD2<Double> in let a = 2 * Double.pi * Double(k) / 10; return 45 * SIMD2(cos(a), sin(a)) }
        // Inside the loop's polygon, the bump holds 2πσ²A less what lies past ~4.3σ (< 1e-3).
        let expected = 2 * Double.pi * sigma * sigma * amplitude
        let tilted: (Double, Double) -> Double = { x, y in 0.3 * x - 0.2 * y + bump(x, y) }
        let plane = Self.heightField(half: 80, step: 0.8, tilted)
        let r1 = try plane.region(loop: Self.loop(plane, circle, z: tilted))
        for model in BaseSurface.Model.allCases {
            let base = try BaseSurface.fit(points: r1.surroundingPoints, normals: r1.surroundingNormals,
                                           distances: r1.surroundingDistances, model: model)
            let v = r1.volume(against: base).volume
            // The grid's linear facets lose a little of the curved bump (0.8 mm spacing).
            #expect(abs(v - expected) < 0.003 * expected, "\(model): \(v) vs \(expected)")
            #expect(base.rms < 1e-3, "the bump's tail past 45 mm is under 5e-4 mm")
        }
        // On a sphere (radius 200, below z = 0 at the rim), only the quadric base follows it.
        let radius = 200.0
        let sphere: (Double, Double) -> Double = { x, y in (radius * radius - x * x - y * y).squareRoot() - radius + bump(x, y) }
        let cap = Self.heightField(half: 80, step: 0.8, sphere)
        let r2 = try cap.region(loop: Self.loop(cap, circle, z: sphere))
        let base = try BaseSurface.fit(points: r2.surroundingPoints, normals: r2.surroundingNormals,
                                       distances: r2.surroundingDistances, model: .quadric)
        let v = r2.volume(against: base).volume
        // The bump stands along z, not along the sphere's normal: on a 200 mm sphere the
        // volume between them differs from 2πσ²A by less than 1 %.
        #expect(abs(v - expected) < 0.01 * expected, "sphere: \(v) vs \(expected)")
        let flat = try BaseSurface.fit(points: r2.surroundingPoints, normals: r2.surroundingNormals,
                                       distances: r2.surroundingDistances, model: .plane)
        #expect(r2.volume(against: flat).volume > 1.5 * expected, "a plane across a sphere's cap over-counts")
    }
}
