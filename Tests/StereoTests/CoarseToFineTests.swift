import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Stereo
import TestSupport
import Testing

/// The coarse-to-fine matcher on a pair whose disparity is known everywhere, and the
/// disparity range a working range implies.
@Suite struct CoarseToFineTests {
    /// A slanted surface: right(x) = left(x + d(x, y)), d from 40 to 60 px across the image.
    @Test func slantedDisparityIsFoundToAFewHundredthsOfAPixel() throws {
        let w = 240, h = 160
        let pattern = MatchingTests.texture(width: 400, height: 200, seed: 5)
        func d(_ x: Int, _ y: Int) -> Double { 40 + 20 * Double(x) / Double(w) + 2 * Double(y) / Double(h) }
        // The left image is the pattern; the right one shows, at x − d, what the left shows at x:
        // right(xr) = pattern(xr + d), with d taken at the left pixel (solved by iteration).
        let left = Image<Float>(width: w, height: h, layout: .gray, pixels: (0..<(w * h)).map { pattern(Double($0 % w) + 20, Double($0 / w) + 5) })
        let right = Image<Float>(width: w, height: h, layout: .gray, pixels: (0..<(w * h)).map { i in
            let xr = Double(i % w), y = i / w
            var xl = xr + 40
            for _ in 0..<20 { xl = xr + (40 + 20 * xl / Double(w) + 2 * Double(y) / Double(h)) }
            return pattern(xl + 20, Double(y) + 5)
        })
        var options = DenseMatchingOptions()
        options.disparities = 0...200
        options.coarseDisparityLimit = 64
        options.speckleFraction = 0.0005
        let result = try CoarseToFineMatcher.match(left: left, right: right, options: options)
        // 201 disparities over a 64 limit, but a 160-row image stops halving at 80 rows.
        #expect(result.levels == 1)
        var errors: [Double] = [], known = 0
        for y in 8..<(h - 8) {
            for x in 70..<(w - 8) {
                known += 1
                let v = result.left.disparity[y * w + x]
                if !v.isNaN { errors.append(abs(Double(v) - d(x, y))) }
            }
        }
        errors.sort()
        let median = errors[errors.count / 2], p99 = errors[errors.count * 99 / 100]
        #expect(Double(errors.count) >= 0.9 * Double(known), "\(errors.count) of \(known) pixels matched")
        #expect(median < 0.03, "median error \(median) px")
        #expect(p99 < 0.2, "99th percentile \(p99) px")
    }

    /// The range holds the disparity of every point in the working range that both cameras
    /// see, and not much more.
    @Test func workingRangeBoundsTheDisparities() throws {
        let rig = SyntheticFixtures.arcRig(scale: 0.25)
        let a = rig.cameras[0], b = rig.cameras[1]
        let rect = StereoRectification(camera1: a.camera, camera2: b.camera, cam2FromCam1: b.camFromWorld * a.camFromWorld.inverse, zeroDisparity: false)
        let range = try #require(rect.disparityRange(slab: WorkingSlab(origin: .zero, axis: SIMD3(0, 0, 1), depths: 800...1400)))
        let p2 = rect.projection2
        var inside = 0, lo = Double.infinity, hi = -Double.infinity
        for k in 0..<2000 {
            // Points on rays of camera 0 at depths 800…1400 mm.
            let u = Double(k % 50) / 49 * Double(a.camera.imageWidth - 1), v = Double(k / 50) / 39 * Double(a.camera.imageHeight - 1)
            guard let ray = a.camera.ray(throughPixel: SIMD2(u, v)) else { continue }
            let x = (800 + 600 * Double(k % 7) / 6) / ray.z * ray
            let r = rect.rectified1FromCam1.matrix * x
            let u1 = rect.focal * r.x / r.z + rect.principal1.x, u2 = (rect.focal * r.x + p2[3]) / r.z + rect.principal2.x
            // Matchable: inside both rectified images.
            let v1 = rect.focal * r.y / r.z + rect.principal1.y
            guard u1 >= 0, u1 <= Double(a.camera.imageWidth - 1), v1 >= 0, v1 <= Double(a.camera.imageHeight - 1),
                  u2 >= 0, u2 <= Double(a.camera.imageWidth - 1) else { continue }
            let d = u1 - u2
            lo = min(lo, d); hi = max(hi, d)
            if Double(range.lowerBound) <= d, d <= Double(range.upperBound) { inside += 1 } else { Issue.record("disparity \(d) outside \(range)") }
        }
        #expect(inside > 500)
        // Tight: the sampled extremes reach within 15 % of the range's width of its ends.
        let width = Double(range.count)
        #expect(lo - Double(range.lowerBound) < 0.15 * width && Double(range.upperBound) - hi < 0.15 * width, "\(lo)…\(hi) in \(range)")
    }
}
