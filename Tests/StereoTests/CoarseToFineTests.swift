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

    /// Growing a prior into its holes visits only the holes' rims; it must give, bit for bit,
    /// what the whole-image sweep per step gives (holes of every size, at the borders too,
    /// a map with no value at all, one with no hole).
    @Test func growingIntoHolesMatchesTheWholeImageSweep() {
        func sweep(_ d: [Float], _ w: Int, _ h: Int, _ steps: Int) -> [Float] {
            var current = d
            for _ in 0..<steps {
                var next = current
                for y in 0..<h {
                    for x in 0..<w where current[y * w + x].isNaN {
                        var sum: Float = 0, n: Float = 0
                        if x > 0, case let v = current[y * w + x - 1], !v.isNaN { sum += v; n += 1 }
                        if x < w - 1, case let v = current[y * w + x + 1], !v.isNaN { sum += v; n += 1 }
                        if y > 0, case let v = current[(y - 1) * w + x], !v.isNaN { sum += v; n += 1 }
                        if y < h - 1, case let v = current[(y + 1) * w + x], !v.isNaN { sum += v; n += 1 }
                        if n > 0 { next[y * w + x] = sum / n }
                    }
                }
                current = next
            }
            return current
        }
        var generator = SeededGenerator(seed: 22)
        let w = 97, h = 61
        for holeFraction in [0.0, 0.05, 0.3, 0.7, 0.97, 1.0] {
            // Blobs of holes: random rectangles cut from a smooth map with noise.
            var d = (0..<(w * h)).map { i in Float(40 + (i % w) / 7) + Float(Double(generator.next() % 1000) / 1000) }
            var cut = 0
            while Double(cut) < holeFraction * Double(w * h) {
                let x0 = Int(generator.next() % UInt64(w)), y0 = Int(generator.next() % UInt64(h))
                let bw = 1 + Int(generator.next() % 15), bh = 1 + Int(generator.next() % 9)
                for y in y0..<min(h, y0 + bh) { for x in x0..<min(w, x0 + bw) where !d[y * w + x].isNaN { d[y * w + x] = .nan; cut += 1 } }
            }
            for steps in [0, 1, 6, 200] {
                let a = CoarseToFineMatcher.grown(d, width: w, height: h, steps: steps), b = sweep(d, w, h, steps)
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "holes \(holeFraction), \(steps) steps")
            }
        }
    }
}
