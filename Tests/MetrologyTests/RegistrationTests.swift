import Foundation
import Geometry
import LinearAlgebra
import Metrology
import Surface
import TestSupport
import Testing

/// Rigid registration recovers a known motion between two meshes of the same surface
/// (sampled independently), also when part of the surface changed between them.
@Suite(.enabled(if: releaseRun, "meshing and searching in a debug build take a minute: runs in scripts/test (release build)")) struct RegistrationTests {
    /// A 150 × 150 mm height field with two bumps (amplitude a1, a2; σ 18 mm), meshed from
    /// jittered samples (normals toward +z), points mapped by `pose`.
    static func patch(a1: Double, a2: Double, seed: UInt64, pose: RigidTransform) -> TriangleMesh {
        func h(_ x: Double, _ y: Double) -> (Double, SIMD2<Double>) {
            var z = 0.0, g = SIMD2<Double>.zero
            for (cx, cy, a) in [(-30.0, 10.0, a1), (35.0, -20.0, a2)] {
                let dx = x - cx, dy = y - cy, e = a * exp(-(dx * dx + dy * dy) / (2 * 18 * 18))
                z += e; g += SIMD2(-dx, -dy) / (18 * 18) * e
            }
            return (z + 0.002 * x * x, g + SIMD2(0.004 * x, 0))
        }
        var rng = SeededGenerator(seed: seed)
        var p: [SIMD3<Float>] = [], n: [SIMD3<Float>] = []
        for i in 0..<150 {
            for j in 0..<150 {
                let x = Double(i) - 75 + rng.uniform(-0.5, 0.5), y = Double(j) - 75 + rng.uniform(-0.5, 0.5)
                let (z, g) = h(x, y)
                p.append(SIMD3<Float>(pose.apply(SIMD3(x, y, z))))
                n.append(SIMD3<Float>(pose.rotation.matrix * normalize(SIMD3(-g.x, -g.y, 1))))
            }
        }
        var options = MeshingOptions()
        options.spacing = 2.5
        return SurfaceMesher.mesh(positions: p, normals: n, options: options).mesh
    }

    static let motion = RigidTransform(rodrigues: normalize(SIMD3(0.3, 1, 0.2)) * (5.5 * Double.pi / 180), translation: SIMD3(18, -9, 12))

    /// Largest distance (mm) between where two transforms put the patch's corners and centre.
    static func disagreement(_ a: RigidTransform, _ b: RigidTransform) -> Double {
        [SIMD3(-75.0, -75, 0), SIMD3(75, -75, 0), SIMD3(-75, 75, 0), SIMD3(75, 75, 0), .zero].map { length(a.apply($0) - b.apply($0)) }.max()!
    }

    @Test func recoversAKnownMotion() throws {
        let fixed = Self.patch(a1: 20, a2: 15, seed: 1, pose: .identity)
        let moving = Self.patch(a1: 20, a2: 15, seed: 2, pose: Self.motion)
        var options = Registration.Options()
        options.samples = 5_000
        let result = try Registration.align(moving, onto: fixed, options: options)
        let truth = Self.motion.inverse
        let angle = (result.transform * Self.motion).rotation.angle * 180 / .pi
        // Measured: 0.003 mm, 0.0008° (issue 7 asks 0.2 mm and 0.05° end to end).
        #expect(Self.disagreement(result.transform, truth) < 0.2 && angle < 0.05,
                "off by \(Self.disagreement(result.transform, truth)) mm, \(angle)°; rms \(result.rms) mm, \(result.iterations) iterations")
    }

    @Test func aChangedBumpDoesNotPullTheFitWhenLeftOut() throws {
        let fixed = Self.patch(a1: 20, a2: 15, seed: 3, pose: .identity)
        // The second bump grew by 10 % between the visits.
        let moving = Self.patch(a1: 20, a2: 16.5, seed: 4, pose: Self.motion)
        let stable: (SIMD3<Double>) -> Bool = { (($0.x - 35) * ($0.x - 35) + ($0.y + 20) * ($0.y + 20)).squareRoot() > 45 }
        var options = Registration.Options()
        options.samples = 5_000
        let result = try Registration.align(moving, onto: fixed, region: stable, options: options)
        let truth = Self.motion.inverse
        let angle = (result.transform * Self.motion).rotation.angle * 180 / .pi
        // Measured: 0.04 mm, 0.015°.
        #expect(Self.disagreement(result.transform, truth) < 0.2 && angle < 0.05,
                "off by \(Self.disagreement(result.transform, truth)) mm, \(angle)°; rms \(result.rms) mm")
    }
}
