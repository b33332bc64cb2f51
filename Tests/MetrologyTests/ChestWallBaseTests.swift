import Foundation
import LinearAlgebra
import Metrology
import Surface
import Synthesis
import TestSupport
import Testing

/// Issue 19: the chest wall under a breast, estimated from the skin round a surgeon's loop,
/// on exact meshes of torsos with Gaussian mounds (no reconstruction: the base alone). The
/// truth is the volume between the skin and the torso's cylinder inside the region's own
/// traced boundary.
@Suite(.enabled(if: releaseRun, "geodesic loops in a debug build take minutes: runs in scripts/test (release build)"))
struct ChestWallBaseTests {
    let figures = ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil

    /// A torso case: the scene and the loops drawn on it.
    struct Case: CustomStringConvertible {
        var name: String
        var scene: MoundsScene
        /// Loops: the mound and the loop's radius in σ (stopped short of the midline between
        /// two mounds, where the skin never returns to the chest wall).
        var loops: [(mound: Int, sigmas: Double)]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one mound, loop 3σ", scene: TorsoFixtures.scene(separation: nil), loops: [(0, 3)]),
        Case(name: "one mound, loop 2.5σ", scene: TorsoFixtures.scene(separation: nil), loops: [(0, 2.5)]),
        Case(name: "one mound, loop 4σ", scene: TorsoFixtures.scene(separation: nil), loops: [(0, 4)]),
        Case(name: "mounds 4σ apart, loops 3σ", scene: TorsoFixtures.scene(separation: 4), loops: [(0, 3), (1, 3)]),
        Case(name: "mounds 4.5σ apart, loops 3σ", scene: TorsoFixtures.scene(separation: 4.5), loops: [(0, 3), (1, 3)]),
        Case(name: "mounds 5.9σ apart, loops 3σ", scene: TorsoFixtures.scene(separation: 5.9), loops: [(0, 3), (1, 3)]),
    ]

    /// Each case's regions against the truth, on the exact mesh and with the band's skin
    /// moved along its normals by Gaussian noise of 0.1 mm (a reconstructed mesh's order).
    /// Loops at 3σ and wider: within the 2 %; at 2.5σ (a loop drawn up on the
    /// breast) within 4 % (the former base: −8.2 %). And the stated uncertainty covers the
    /// error at 2σ with the surface term set to the noise actually there (none inside the
    /// region): on the exact mesh the base's own term alone must.
    @Test(arguments: cases)
    func regionVolumesAgainstTheTrueChestWall(_ c: Case) throws {
        let mesh = TorsoFixtures.mesh(c.scene)
        for (k, sigmas) in c.loops {
            var region = try mesh.region(loop: TorsoFixtures.loop(c.scene, mound: k, sigmas: sigmas).map { Landmarks.Landmark(name: $0.name, nearest: $0.point, on: mesh) })
            let truth = TorsoFixtures.volumeAboveChestWall(c.scene, inside: region.boundary), exact = region.surroundingPoints
            for noise in [0.0, 0.1] {
                var random = SplitMix(seed: 7)
                region.surroundingPoints = zip(exact, region.surroundingNormals).map { $0 + $1 * noise * random.gaussian() }
                let measured = try RegionVolume(region, model: .quadric, errors: ErrorModel(surfaceNoise: 0))
                let v = measured.volume, error = v / truth - 1
                if figures {
                    print(String(format: "FIGURE chest wall %@, %@ at %.1fσ, band noise %.2f mm: %.0f ± %.0f mm³ (base) vs %.0f (%+.2f %%, %.2f σ), base RMS %.3f mm on %d points",
                                 c.name, c.scene.mounds[k].name, sigmas, noise, v, measured.baseTerm, truth, 100 * error,
                                 abs(v - truth) / measured.baseTerm, measured.base.rms, measured.base.points))
                }
                #expect(abs(error) <= (sigmas >= 3 ? 0.02 : 0.04), "\(c.name), \(c.scene.mounds[k].name), noise \(noise) mm: \(v) mm³ vs \(truth)")
                #expect(abs(v - truth) <= 2 * measured.uncertainty, "\(c.name), \(c.scene.mounds[k].name), noise \(noise) mm: \(v) ± \(measured.uncertainty) mm³ vs \(truth)")
            }
        }
    }
}
