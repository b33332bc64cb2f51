import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Stereo

/// Points seen by three cameras: a pair's point is followed into a neighbouring pair that
/// shares one of its cameras (through that pair's disparities) to the third camera, then
/// solved from all three views and checked against each.
public enum MultiViewRefinement {
    /// What one refinement did.
    public struct Counts: Sendable, Equatable {
        /// Points solved from three views and kept.
        public var refined = 0
        /// Points whose three views disagreed by more than the tolerance: dropped, with the
        /// other pair's point at the same place.
        public var rejected = 0
        /// RMS reprojection error of the refined points over their three views (px).
        public var rms: Double?
        public init() {}
    }

    /// Refines `points` of `pair` with the disparities of `other` (which must share a
    /// camera with `pair`, as its left camera). Points that three views confirm get
    /// `views = 3`; their counterparts in `other` (the nearest pixel to where the point falls
    /// in its grid) are marked in `consumed` (they would be duplicates). Pixels of
    /// `other` whose point three views contradict are marked too. A point is confirmed when
    /// its own position projects into the third camera within `tolerance` of the other
    /// pair's match, and the three-view solution reprojects within it in every view.
    ///
    /// - Parameter tolerance: the largest reprojection error (px) in any of the three views.
    public static func refine(_ points: inout OrganizedPoints, pair: StereoPair, other: StereoPair, otherDisparity: DisparityMap,
                              rig: Rig, consumed: inout [Bool], tolerance: Double = 1.0) -> Counts {
        let sharedIsRight: Bool
        if other.left == pair.right { sharedIsRight = true } else if other.left == pair.left { sharedIsRight = false } else { return Counts() }
        guard pair.rectification.isHorizontal, other.rectification.isHorizontal else { return Counts() }
        let third = other.right
        guard third != pair.left, third != pair.right else { return Counts() }
        let w = points.width, h = points.height, ow = otherDisparity.width, oh = otherDisparity.height
        // The three views' cameras and poses, unpacked once (no reference counting per pixel).
        let views = [rig.cameras[pair.left], rig.cameras[pair.right], rig.cameras[third]].map { View(camera: $0.camera, camFromWorld: $0.camFromWorld) }
        let (v0, v1, v2) = (views[0], views[1], views[2])
        // Per pixel: the refined point (NaN: none), and the other pair's pixel (−1: none);
        // `agreed` false where the views disagreed.
        var refined = [SIMD3<Float>](parallelRepeating: SIMD3(repeating: .nan), count: w * h)
        var otherPixel = [Int32](parallelRepeating: -1, count: w * h)
        var agreed = [Bool](parallelRepeating: false, count: w * h)
        var squaredError = [Float](parallelRepeating: 0, count: w * h)
        let positions = points.positions
        points.disparity.withUnsafeBufferPointer { dp in
            refined.withUnsafeMutableBufferPointer { rp in
                otherPixel.withUnsafeMutableBufferPointer { op in
                    agreed.withUnsafeMutableBufferPointer { ap in
                      squaredError.withUnsafeMutableBufferPointer { ep in
                        let e = UnsafeSendable(ep.baseAddress!)
                        let d = UnsafeSendable(UnsafeMutablePointer(mutating: dp.baseAddress!)), r = UnsafeSendable(rp.baseAddress!)
                        let o = UnsafeSendable(op.baseAddress!), a = UnsafeSendable(ap.baseAddress!)
                        Parallel.perform(iterations: h) { y in
                            for x in 0..<w {
                                // Each view as its original pixel (for the reprojection errors) and
                                // its ray's normalized coordinates, exact from the rectified pixel.
                                let disparity = Double(d.pointer![y * w + x])
                                let ql = SIMD2(Double(x), Double(y)), qr = SIMD2(Double(x) - disparity, Double(y))
                                guard !disparity.isNaN,
                                      let pl = pair.originalPixel(rectified: ql, camera: 1), let nl = pair.normalized(rectified: ql, camera: 1),
                                      let pr = pair.originalPixel(rectified: qr, camera: 2), let nr = pair.normalized(rectified: qr, camera: 2),
                                      let rb = other.rectifiedPixel(normalized: sharedIsRight ? nr : nl, camera: 1),
                                      let db = bilinear(otherDisparity.disparity, width: ow, height: oh, at: rb),
                                      case let qk = SIMD2(rb.x - db, rb.y),
                                      let pk = other.originalPixel(rectified: qk, camera: 2), let nk = other.normalized(rectified: qk, camera: 2)
                                else { continue }
                                // The other grid's nearest pixel: this point's duplicate. (All four
                                // of its cell's pixels left no gaps where the grids' scales differ,
                                // but on a ring of pairs neighbours then removed each other's
                                // points: a hole, filled 5.8 mm off, on the surround sphere.)
                                let nearest = Int(rb.y.rounded()) * ow + Int(rb.x.rounded())
                                o.pointer![y * w + x] = Int32(nearest)
                                // The pair's own point must land where the other pair puts the
                                // third view: a least-squares point shares a mismatch among the
                                // three views (a 3 px error in one pair showed as ≤ 1 px in each).
                                let own = SIMD3<Double>(positions[y * w + x])
                                guard !own.x.isNaN, let transfer = v2.camera.project(own, camFromWorld: v2.camFromWorld),
                                      ((transfer - pk) * (transfer - pk)).sum() <= tolerance * tolerance,
                                      let x3 = linear((v0, nl), (v1, nr), (v2, nk)) else { continue }
                                var worst = 0.0, sum = 0.0
                                for k in 0..<3 {
                                    let (view, pixel) = k == 0 ? (v0, pl) : k == 1 ? (v1, pr) : (v2, pk)
                                    guard let p = view.camera.project(x3, camFromWorld: view.camFromWorld) else { worst = .infinity; break }
                                    let e2 = ((p - pixel) * (p - pixel)).sum()
                                    worst = max(worst, e2.squareRoot()); sum += e2
                                }
                                guard worst <= tolerance else { continue }
                                e.pointer![y * w + x] = Float(sum / 3)
                                a.pointer![y * w + x] = true
                                r.pointer![y * w + x] = SIMD3<Float>(x3)
                            }
                        }
                      }
                    }
                }
            }
        }
        var counts = Counts()
        var sumSquares = 0.0
        for i in 0..<(w * h) where otherPixel[i] >= 0 {
            consumed[Int(otherPixel[i])] = true
            if agreed[i] {
                points.positions[i] = refined[i]; points.views[i] = 3; counts.refined += 1
                sumSquares += Double(squaredError[i])
            } else {
                points.positions[i] = SIMD3(repeating: .nan); points.disparity[i] = .nan; counts.rejected += 1
            }
        }
        if counts.refined > 0 { counts.rms = (sumSquares / Double(counts.refined)).squareRoot() }
        return counts
    }

    /// A disparity between pixels: bilinear where the four neighbours have one and agree
    /// within 1 px; nil otherwise.
    static func bilinear(_ d: [Float], width w: Int, height h: Int, at p: SIMD2<Double>) -> Double? {
        guard let (i, fx, fy) = Bilinear.cell(p, width: w, height: h) else { return nil }
        let (a, b, c, e) = Bilinear.corners(d, index: i, width: w)
        guard !a.isNaN, !b.isNaN, !c.isNaN, !e.isNaN, max(max(a, b), max(c, e)) - min(min(a, b), min(c, e)) <= 1 else { return nil }
        return Double(Bilinear.mix(a, b, c, e, fx: fx, fy: fy))
    }

    /// A camera as `linear` uses it: its model and pose, without its name.
    struct View {
        let camera: PinholeCamera
        let camFromWorld: RigidTransform
    }

    /// Linear triangulation from N views given as original (distorted) pixels: each view's
    /// two DLT rows (H&Z §12.2) on undistorted normalized coordinates, scaled by the focal
    /// length, solved for X with w = 1 by least squares, then once more with each view's
    /// rows divided by its depth — so the residual approximates the reprojection error.
    /// Nil if a pixel cannot be undistorted or the rays do not fix a point.
    public static func linear(_ cameras: [RigCamera], _ pixels: [SIMD2<Double>]) -> SIMD3<Double>? {
        var views: [(View, SIMD2<Double>)] = []
        for (camera, pixel) in zip(cameras, pixels) {
            guard let n = camera.camera.unproject(pixel: pixel) else { return nil }
            views.append((View(camera: camera.camera, camFromWorld: camera.camFromWorld), n))
        }
        return solve(views: views.count) { views[$0] }
    }

    /// The same from three views given as undistorted normalized coordinates, without a
    /// heap allocation (it runs once per pixel).
    static func linear(_ a: (View, SIMD2<Double>), _ b: (View, SIMD2<Double>), _ c: (View, SIMD2<Double>)) -> SIMD3<Double>? {
        solve(views: 3) { $0 == 0 ? a : $0 == 1 ? b : c }
    }

    /// `linear`'s two least-squares passes over `views` views, view k given by `view(k)`.
    @inline(__always)
    static func solve(views: Int, _ view: (Int) -> (View, SIMD2<Double>)) -> SIMD3<Double>? {
        var x = SIMD3<Double>.zero
        for pass in 0..<2 {
            // Normal equations (AᵀA) X = −Aᵀb of each view's two rows.
            var m = Matrix3x3.zero
            var rhs = SIMD3<Double>.zero
            func add(_ a: SIMD3<Double>, _ b: Double) {
                m.row0 += a.x * a; m.row1 += a.y * a; m.row2 += a.z * a
                rhs -= b * a
            }
            for k in 0..<views {
                let (camera, n) = view(k)
                let r = camera.camFromWorld.rotation.matrix, t = camera.camFromWorld.translation
                var f = camera.camera.intrinsics.fx
                if pass == 1 {
                    let depth = dot(r.row2, x) + t.z
                    guard depth > 0 else { return nil }
                    f /= depth
                }
                add((n.x * r.row2 - r.row0) * f, (n.x * t.z - t.x) * f)
                add((n.y * r.row2 - r.row1) * f, (n.y * t.z - t.y) * f)
            }
            guard let inverse = m.inverse, case let solved = inverse * rhs, solved.x.isFinite else { return nil }
            x = solved
        }
        return x
    }
}
