import Foundation
import Geometry
import Reconstruction
import Stereo
import Synthesis
import Testing

/// Issue 19: on a five-camera arc (18° apart, the first camera at one end) the cameras past
/// the second stand inside the working range's shell round cam0 (600–1600 mm): the range
/// conversion must still give every pair the disparities of the subject, and no more than
/// the other camera's image can show.
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
            let range = try #require(pair.disparityRange(rig: rig, distances: 600...1600), "pair \(a)–\(a + 1)")
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

    @Test func aCameraInsideTheShellStartsItsStretchAtTheCamera() {
        // Origin 1000 mm ahead; range 600–1600: a ray straight at it is in range from the
        // camera (s = 0) to 400 mm, then again from 1600 mm to 2600 mm.
        let stretches = StereoRectification.shellIntervals(ray: SIMD3(0, 0, 1), origin: SIMD3(0, 0, 1000), distances: 600...1600)
        #expect(stretches.count == 2)
        #expect(abs(stretches[0].0) < 1e-9 && abs(stretches[0].1 - 400) < 1e-9 && abs(stretches[1].0 - 1600) < 1e-9 && abs(stretches[1].1 - 2600) < 1e-9, "\(stretches)")
        // A camera inside the near sphere: one stretch, from the near to the far sphere.
        let inside = StereoRectification.shellIntervals(ray: SIMD3(0, 0, 1), origin: .zero, distances: 600...1600)
        #expect(inside.count == 1 && abs(inside[0].0 - 600) < 1e-9 && abs(inside[0].1 - 1600) < 1e-9, "\(inside)")
    }
}
