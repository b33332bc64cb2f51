import Foundation
import Geometry
import LinearAlgebra
import Reconstruction
import Stereo
import Synthesis
import Testing

/// A point's normal (PCA of its neighbours in space) and its disparity plane's slopes:
/// exact on exact disparities of a plane, at any size of rig.
struct SurfaceEstimationTests {
    /// Planes seen by pair cam0–cam1 of the synthetic arc, turned about the rectified axes,
    /// at the arc's size and ten times it: every kept point's normal is the plane's, and
    /// its slopes are the disparities' own.
    @Test(arguments: [1.0, 10.0])
    func normalsOfExactPlanesAreThePlanes(scale: Double) throws {
        var options = SyntheticRigOptions()
        options.scale = 0.25
        let base = try SyntheticRig(options).rig
        let rig = Rig(cameras: base.cameras.map {
            RigCamera(id: $0.id, camera: $0.camera,
                      camFromWorld: RigidTransform(rotation: $0.camFromWorld.rotation, translation: $0.camFromWorld.translation * scale))
        })
        let pair = StereoPair(rig: rig, 0, 1)
        let camera = rig.cameras[0], axis = camera.opticalAxis
        for (tiltX, tiltY) in [(0.0, 0.0), (0.0, 35.0), (-40.0, 0.0), (25.0, -30.0)] {
            let turn = Rotation(rodrigues: SIMD3(tiltX, tiltY, 0) * .pi / 180).matrix
            let normal = normalize(pair.worldFromRectified.rotation.matrix * (turn * SIMD3(0, 0, -1)))
            let point = camera.centre + 1100 * scale * axis
            let map = FusionTests.Fixture.planeDisparities(pair, point: point, normal: normal)
            var points = OrganizedPoints(pair: pair, disparity: map)
            let given = points.count
            let (normals, slopes, removed) = SurfaceEstimation.normals(&points, viewpoint: camera.centre)
            // Only the image's edge (fewer than 12 neighbours) may go.
            #expect(Double(removed) < 0.01 * Double(given), "tilt \(tiltX)°, \(tiltY)°: \(removed) of \(given) removed")
            var worst = 0.0, worstSlope: Float = 0
            let w = map.width
            for i in points.positions.indices where !points.positions[i].x.isNaN {
                worst = max(worst, acos(min(1, dot(SIMD3<Double>(normals[i]), normal))) * 180 / .pi)
                let x = i % w, y = i / w
                guard x > 0, x < w - 1, y > 0, y < map.height - 1 else { continue }
                let d = map.disparity, central = SIMD2((d[i + 1] - d[i - 1]) / 2, (d[i + w] - d[i - w]) / 2)
                guard !central.x.isNaN, !central.y.isNaN else { continue }
                worstSlope = max(worstSlope, abs(slopes[i].x - central.x), abs(slopes[i].y - central.y))
            }
            // A plane's disparity is affine in the pixel (1/z is, on a plane), so only
            // rounding remains: Float positions (an ulp is 1.2e-4 mm at 1100 mm, against
            // neighbours 0.27 mm apart: up to ~0.025°). A wrong frame or sign is degrees off.
            #expect(worst < 0.05, "tilt \(tiltX)°, \(tiltY)°: normals off by up to \(worst)°")
            #expect(worstSlope < 1e-4, "tilt \(tiltX)°, \(tiltY)°: slopes off by up to \(worstSlope) px/px")
        }
    }
}
