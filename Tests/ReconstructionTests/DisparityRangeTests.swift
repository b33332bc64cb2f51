import Foundation
import Geometry
import LinearAlgebra
import Reconstruction
import Stereo
import Synthesis
import TestSupport
import Testing

/// Issue 19: on a five-camera arc (18° apart, 72° in all) each pair's working range is the
/// slab 600–1600 mm in front of its own cameras: every pair gets the disparities of the
/// subject, and no more than the other camera's image can show. (Measured from the first
/// camera, as the range once was, cam3–cam4 got −819…−455 px and matched nothing.)
struct DisparityRangeTests {
    @Test func everyPairOfAWideArcGetsTheSubject() throws {
        var options = SyntheticRigOptions()
        options.cameraCount = 5
        options.scale = 0.25
        let synthetic = try SyntheticRig(options)
        let rig = synthetic.rig
        // The subject's centre (the arc's centre) and points 100 mm before and after it.
        let centre = synthetic.worldFromSubject.apply(.zero)
        for a in 0..<(rig.cameras.count - 1) {
            let pair = StereoPair(rig: rig, a, a + 1)
            let range = try #require(pair.disparityRange(rig: rig, depths: 600...1600), "pair \(a)–\(a + 1)")
            let q = pair.rectification.disparityToDepth
            let toRectified = pair.worldFromRectified.inverse
            let axis = rig.cameras[pair.left].opticalAxis
            for offset in [-100.0, 0, 100] {
                let p = toRectified.apply(centre + offset * axis)
                let d = (q[11] / p.z - q[15]) / q[14]
                #expect(range.contains(Int(d.rounded())), "pair \(a)–\(a + 1): subject at \(d) px, range \(range)")
            }
            // Bounded by what the other image shows (a disparity beyond the image width
            // matches nothing): the former conversion asked cam2–cam3 for up to ~18,000 px.
            #expect(range.count <= 2 * pair.leftMap.width + 5, "pair \(a)–\(a + 1): \(range)")
        }
    }

    @Test func aRayCrossesTheSlabBetweenItsDepths() {
        let slab = WorkingSlab(origin: SIMD3(0, 0, -50), axis: SIMD3(0, 0, 1), depths: 600...1600)
        // Straight ahead from the origin: 550…1550 mm along the ray.
        let ahead = slab.interval(rayFrom: .zero, direction: SIMD3(0, 0, 1))
        #expect(ahead.map { abs($0.0 - 550) < 1e-9 && abs($0.1 - 1550) < 1e-9 } == true, "\(String(describing: ahead))")
        // 60° off the axis: twice as long a stretch, twice as far.
        let oblique = slab.interval(rayFrom: .zero, direction: SIMD3(3.0.squareRoot() / 2, 0, 0.5))
        #expect(oblique.map { abs($0.0 - 1100) < 1e-9 && abs($0.1 - 3100) < 1e-9 } == true, "\(String(describing: oblique))")
        // Looking away, or along the slab from outside it: never inside.
        #expect(slab.interval(rayFrom: .zero, direction: SIMD3(0, 0, -1)) == nil)
        #expect(slab.interval(rayFrom: .zero, direction: SIMD3(1, 0, 0)) == nil)
        // The slab of two cameras: between their centres, along their mean axis.
        let rig = SyntheticFixtures.arcRig()
        let pair = WorkingSlab(cameras: [rig.cameras[0], rig.cameras[1]], depths: 600...1600)
        #expect(length(pair.origin - (rig.cameras[0].centre + rig.cameras[1].centre) / 2) < 1e-9)
        #expect(abs(dot(pair.axis, rig.cameras[0].opticalAxis) - cos(9 * Double.pi / 180)) < 1e-9)
    }
}
