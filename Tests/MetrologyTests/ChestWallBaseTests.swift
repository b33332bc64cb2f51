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
    /// Loops at 3σ and wider: within the issue's 2 %; at 2.5σ (a loop drawn up on the
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

    /// A patch the reconstruction filled (no camera saw it) inside a region's loop is counted
    /// as unseen area: the volume says how much, and its uncertainty widens by the patch's
    /// area × the region's mean height / √3; a patch outside the loop changes nothing.
    @Test func unseenPatchesInsideTheLoopWidenTheUncertainty() throws {
        let scene = TorsoFixtures.scene(separation: nil)
        let mesh = TorsoFixtures.mesh(scene, step: 2)
        let loop = TorsoFixtures.loop(scene, mound: 0, sigmas: 3)
        let landmarks = try Landmarks(json: LandmarkTransfer.json(loop), file: "loop", mesh: mesh, rig: nil)
        let names = loop.map { "\"\($0.name)\"" }
        let plan = try MeasurementPlan(json: Data("""
            {"format": "trinocular.plan/1", "measurements": [{"name": "v", "type": "volume", "loop": [\(names.joined(separator: ", ")), \(names[0])]}]}
            """.utf8), file: "plan")
        let apex = scene.skinPoint(theta: scene.mounds[0].theta, y: scene.mounds[0].y)
        let far = scene.skinPoint(theta: 1.3, y: 20)
        let plain = try plan.measure(mesh, landmarks: landmarks, file: "plan")[0]
        let outside = try plan.measure(mesh, landmarks: landmarks, file: "plan", unseen: [UnseenPatch(area: 800, centre: far)])[0]
        let inside = try plan.measure(mesh, landmarks: landmarks, file: "plan", unseen: [UnseenPatch(area: 800, centre: apex), UnseenPatch(area: 800, centre: far)])[0]
        #expect(outside.uncertainty == plain.uncertainty && outside.value == plain.value && !outside.method.contains("no camera saw"))
        #expect(inside.value == plain.value && inside.method.contains("1 patch(es) no camera saw inside, 800 mm²"), "\(inside.method)")
        // The unseen term: 800 mm² × V/A / √3, combined in quadrature with the others.
        let region = try mesh.region(loop: landmarks.landmarks, band: 40)
        let term = 800 * plain.value / region.area / 3.0.squareRoot()
        let expected = (plain.uncertainty * plain.uncertainty + term * term).squareRoot()
        #expect(abs(inside.uncertainty - expected) <= 0.02 * expected, "\(inside.uncertainty) vs \(expected) (plain \(plain.uncertainty))")
    }
}
