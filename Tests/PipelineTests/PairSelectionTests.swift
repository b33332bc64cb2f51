import Foundation
import Geometry
import LinearAlgebra
import Pipeline
import Synthesis
import Testing

/// Issue 19: pairs are chosen by geometry — each camera with its nearest neighbours by viewing
/// direction and baseline — whatever order the rig lists its cameras in.
struct PairSelectionTests {
    static func ids(_ rig: Rig, _ which: ReconstructionOptions.Pairs = .neighbours, maximumAngle: Double = 60) -> [String] {
        Reconstructor.selectPairs(rig, which, maximumAngle: maximumAngle, subjectDistance: 1000).map {
            let a = rig.cameras[$0.0].id, b = rig.cameras[$0.1].id
            return a < b ? "\(a)-\(b)" : "\(b)-\(a)"
        }
    }

    static func rig(_ layout: SyntheticRigOptions.Layout, cameras: Int, step: Double) throws -> Rig {
        var options = SyntheticRigOptions()
        options.layout = layout; options.cameraCount = cameras; options.arcStepDegrees = step; options.scale = 0.25
        return try SyntheticRig(options).rig
    }

    @Test func anArcPairsItsConsecutiveCameras() throws {
        let rig = try Self.rig(.arc, cameras: 5, step: 18)
        #expect(Self.ids(rig) == ["cam0-cam1", "cam1-cam2", "cam2-cam3", "cam3-cam4"])
        // `all` keeps every pair within the angle: 18° and 36° apart, not 54° or 72°.
        #expect(Self.ids(rig, .all, maximumAngle: 40) == ["cam0-cam1", "cam0-cam2", "cam1-cam2", "cam1-cam3", "cam2-cam3", "cam2-cam4", "cam3-cam4"])
    }

    @Test func theOrderTheRigListsItsCamerasInDoesNotMatter() throws {
        let rig = try Self.rig(.arc, cameras: 5, step: 18)
        let expected = Self.ids(rig)
        var random = SplitMix(seed: 19)
        for _ in 0..<6 {
            var shuffled = rig
            shuffled.cameras.shuffle(using: &random)
            #expect(Self.ids(shuffled) == expected, "\(shuffled.cameras.map(\.id))")
        }
    }

    @Test func podsPairEachPodAndTheFacingCamerasOfNeighbouringPods() throws {
        // Three pods 40° apart, each two cameras one above the other (10° as the subject sees them).
        let rig = try Self.rig(.pods, cameras: 3, step: 40)
        #expect(rig.cameras.count == 6)
        #expect(Self.ids(rig) == ["cam0-cam1", "cam0-cam2", "cam1-cam3", "cam2-cam3", "cam2-cam4", "cam3-cam5", "cam4-cam5"])
    }

    @Test func aRingPairsItsCycleAndAParallelGridItsSides() throws {
        // Eight cameras round the subject, 45° apart: the cycle, not the chords.
        let ring = Rig(cameras: (0..<8).map { k in
            RigCamera(id: "c\(k)", camera: PinholeCamera(intrinsics: Intrinsics(fx: 1000, fy: 1000, cx: 320, cy: 240), distortion: Distortion(),
                                                         imageWidth: 640, imageHeight: 480),
                      camFromWorld: SyntheticRig.lookAt(azimuth: Double(k) * 45, elevation: 0, distance: 1000))
        })
        #expect(Self.ids(ring) == ["c0-c1", "c0-c7", "c1-c2", "c2-c3", "c3-c4", "c4-c5", "c5-c6", "c6-c7"])
        // Four parallel cameras on a 100 mm square: its sides, not its diagonals.
        let grid = Rig(cameras: [(0.0, 0.0), (100, 0), (0, 100), (100, 100)].enumerated().map { k, p in
            RigCamera(id: "g\(k)", camera: ring.cameras[0].camera,
                      camFromWorld: RigidTransform(rotation: Rotation(unchecked: .identity), translation: -SIMD3(p.0, p.1, 0)))
        })
        #expect(Self.ids(grid) == ["g0-g1", "g0-g2", "g1-g3", "g2-g3"])
    }
}
