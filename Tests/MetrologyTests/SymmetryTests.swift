import Foundation
import Geometry
import LinearAlgebra
import Metrology
import Surface
import Synthesis
import TestSupport
import Testing

/// Mirror symmetry on the synthetic face (symmetric by construction), meshed straight from
/// the scene by ray casting, with the surface noise of a reconstruction (σ 0.04 mm).
@Suite(.enabled(if: releaseRun, "registration in a debug build takes a minute: runs in scripts/test (release build)"))
struct SymmetryTests {
    /// The face seen from the front: a grid of rays along +z (subject frame), 1 mm apart,
    /// moved by `pose`; `bump` displaces the surface along z near a point.
    static func faceMesh(pose: RigidTransform, noise: Double, bump: (centre: SIMD2<Double>, height: Double, sigma: Double)? = nil) -> TriangleMesh {
        let scene = SceneName.face.make(seed: 1)
        let nx = 161, ny = 221
        var index = [Int32](repeating: -1, count: nx * ny), vertices: [SIMD3<Double>] = []
        var rng = SeededGenerator(seed: 7)
        for j in 0..<ny { for i in 0..<nx {
            let x = Double(i) - 80, y = Double(j) - 110
            guard let hit = scene.intersect(origin: SIMD3(x, y, -1000), direction: SIMD3(0, 0, 1)) else { continue }
            var p = hit.point
            if let b = bump {
                let d = SIMD2(x, y) - b.centre
                p.z -= b.height * exp(-(d * d).sum() / (2 * b.sigma * b.sigma))
            }
            // Box–Muller noise along the ray.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
            p.z += noise * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            index[j * nx + i] = Int32(vertices.count); vertices.append(pose.apply(p))
        } }
        var faces: [SIMD3<Int32>] = []
        for j in 0..<(ny - 1) { for i in 0..<(nx - 1) {
            let a = index[j * nx + i], b = index[j * nx + i + 1], c = index[(j + 1) * nx + i], d = index[(j + 1) * nx + i + 1]
            guard a >= 0, b >= 0, c >= 0, d >= 0 else { continue }
            let zs = [a, b, c, d].map { vertices[Int($0)] }
            guard zip(zs, zs.dropFirst()).allSatisfy({ length($0.0 - $0.1) < 6 }) else { continue }
            // Seen from −z (outside), counter-clockwise: x right, y down.
            faces.append(SIMD3(a, c, b)); faces.append(SIMD3(b, c, d))
        } }
        return TriangleMesh(vertices: vertices, faces: faces)
    }

    static let pose = RigidTransform(rodrigues: 10 * Double.pi / 180 * normalize(SIMD3(0.2, 1, -0.4)), translation: SIMD3(30, -12, 640))

    @Test func aSymmetricFaceHasNoAsymmetryAndItsPlaneIsFound() throws {
        let mesh = Self.faceMesh(pose: Self.pose, noise: 0.04)
        let s = try mesh.mirrorSymmetry()
        let trueNormal = Self.pose.rotation.matrix * SIMD3(1, 0, 0)
        let angle = acos(min(abs(dot(s.plane.normal, trueNormal)), 1)) * 180 / .pi
        let offset = abs(dot(s.plane.point - Self.pose.translation, trueNormal))
        #expect(s.rms <= 0.1, "RMS asymmetry \(s.rms) mm")
        #expect(angle < 0.1, "plane normal off by \(angle)°")
        #expect(offset < 0.1, "plane off the true one by \(offset) mm")
        #expect(s.overlap > 0.9)
    }

    @Test func aBumpOnOneCheekIsWhereTheAsymmetryPeaks() throws {
        // 3 mm high, σ 8 mm, on the left cheek (x = 45, y = 20 in the subject frame).
        let centre = SIMD2(45.0, 20.0)
        let mesh = Self.faceMesh(pose: Self.pose, noise: 0.04, bump: (centre, 3, 8))
        let s = try mesh.mirrorSymmetry()
        let scene = SceneName.face.make(seed: 1)
        let hit = try #require(scene.intersect(origin: SIMD3(centre.x, centre.y, -1000), direction: SIMD3(0, 0, 1)))
        let bumpTop = Self.pose.apply(hit.point - SIMD3(0, 0, 3))
        #expect(length(s.peakOut.point - bumpTop) < 5, "peak at \(s.peakOut.point), bump at \(bumpTop)")
        // The bump rises along the ray (z); the asymmetry is measured square to the cheek,
        // which faces |n_z| of the way along it.
        let height = 3 * abs(hit.normal.z)
        #expect(abs(s.peakOut.value - height) < 0.25, "peak \(s.peakOut.value) mm, bump \(height) mm square to the cheek")
        // The plane is not pulled by the bump (robust weights).
        let trueNormal = Self.pose.rotation.matrix * SIMD3(1, 0, 0)
        #expect(acos(min(abs(dot(s.plane.normal, trueNormal)), 1)) * 180 / .pi < 0.3)
    }
}
