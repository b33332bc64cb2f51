import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Stereo

/// Two rig cameras set up for dense matching: their rectification (ordered so that camera
/// `right` sits to the right of camera `left`, each keeping its own principal point so the
/// subject stays in both rectified views — disparities may then be negative), the maps that
/// resample their images, and where rectified camera 1 sits in the rig's world frame.
public struct StereoPair: Sendable {
    /// Indices into the rig's cameras: `left` is rectified camera 1, `right` camera 2.
    public let left: Int
    public let right: Int
    public let rectification: StereoRectification
    public let leftMap: RectificationMap
    public let rightMap: RectificationMap
    /// Rectified camera 1's frame → world (mm).
    public let worldFromRectified: RigidTransform

    /// The pair of rig cameras `a` and `b`, ordered left to right.
    /// - Precondition: distinct cameras with images of one size.
    public init(rig: Rig, _ a: Int, _ b: Int) {
        var (l, r) = (a, b)
        var rect = StereoPair.rectify(rig, l, r)
        // Camera 2 should sit at +x (or +y) of camera 1 in the rectified frame: the
        // baseline in camera 2's frame, (t, 0, 0), then has t < 0.
        if (rect.isHorizontal ? rect.baseline.x : rect.baseline.y) > 0 {
            swap(&l, &r)
            rect = StereoPair.rectify(rig, l, r)
        }
        left = l; right = r
        rectification = rect
        leftMap = RectificationMap(rect, camera: 1, original: rig.cameras[l].camera)
        rightMap = RectificationMap(rect, camera: 2, original: rig.cameras[r].camera)
        let rect1FromWorld = RigidTransform(rotation: rect.rectified1FromCam1, translation: .zero) * rig.cameras[l].camFromWorld
        worldFromRectified = rect1FromWorld.inverse
    }

    static func rectify(_ rig: Rig, _ a: Int, _ b: Int) -> StereoRectification {
        let ca = rig.cameras[a], cb = rig.cameras[b]
        return StereoRectification(camera1: ca.camera, camera2: cb.camera, cam2FromCam1: cb.camFromWorld * ca.camFromWorld.inverse,
                                   zeroDisparity: false)
    }

    /// The working volume in front of this pair (world frame): `depths` (mm) along the mean
    /// of its cameras' optical axes, from the midpoint of their centres.
    public func workingSlab(rig: Rig, depths: ClosedRange<Double>) -> WorkingSlab {
        WorkingSlab(cameras: [rig.cameras[left], rig.cameras[right]], depths: depths)
    }

    /// The disparity range (px) of subjects inside the pair's working slab (`workingSlab`),
    /// `depths` mm in front of its cameras.
    public func disparityRange(rig: Rig, depths: ClosedRange<Double>) -> ClosedRange<Int>? {
        rectification.disparityRange(slab: workingSlab(rig: rig, depths: depths).transformed(by: rig.cameras[left].camFromWorld))
    }

    /// A pixel of rectified image 1 (or 2), as a pixel of the original image (bilinear
    /// in the map; nil outside it or where it has no source).
    public func originalPixel(rectified p: SIMD2<Double>, camera k: Int) -> SIMD2<Double>? {
        let map = k == 1 ? leftMap : rightMap
        guard let (i, fx, fy) = Bilinear.cell(p, width: map.width, height: map.height) else { return nil }
        let (a, b, c, d) = Bilinear.corners(map.source, index: i, width: map.width)
        let v = Bilinear.mix(a, b, c, d, fx: fx, fy: fy)
        guard !v.x.isNaN, !v.y.isNaN else { return nil }
        return SIMD2<Double>(v)
    }

    /// Where a pixel of the original image of camera k (1 = left, 2 = right) lands in
    /// its rectified image; nil where the distortion cannot be inverted.
    public func rectifiedPixel(original p: SIMD2<Double>, camera k: Int, rig: Rig) -> SIMD2<Double>? {
        guard let n = rig.cameras[k == 1 ? left : right].camera.unproject(pixel: p) else { return nil }
        return rectifiedPixel(normalized: n, camera: k)
    }

    /// Where the ray of camera k (1 = left, 2 = right) with undistorted normalized
    /// coordinates `n` (x/z, y/z in that camera's frame) lands in its rectified image; nil
    /// behind the rectified camera.
    public func rectifiedPixel(normalized n: SIMD2<Double>, camera k: Int) -> SIMD2<Double>? {
        let r = (k == 1 ? rectification.rectified1FromCam1 : rectification.rectified2FromCam2).matrix * SIMD3(n.x, n.y, 1)
        guard r.z > 0 else { return nil }
        let c = k == 1 ? rectification.principal1 : rectification.principal2
        return SIMD2(r.x, r.y) / r.z * rectification.focal + c
    }

    /// The undistorted normalized coordinates (x/z, y/z in camera k's own frame) of the ray
    /// through pixel `p` of rectified image k: exact, where going through the original pixel
    /// would need the distortion inverted (an iteration). Nil for rays behind camera k.
    public func normalized(rectified p: SIMD2<Double>, camera k: Int) -> SIMD2<Double>? {
        let c = k == 1 ? rectification.principal1 : rectification.principal2
        let rect = SIMD3((p.x - c.x) / rectification.focal, (p.y - c.y) / rectification.focal, 1)
        // Rᵀ · ray: the rotation's rows weighted by the ray's components.
        let r = (k == 1 ? rectification.rectified1FromCam1 : rectification.rectified2FromCam2).matrix
        let ray = rect.x * r.row0 + rect.y * r.row1 + rect.z * r.row2
        guard ray.z > 0 else { return nil }
        return SIMD2(ray.x, ray.y) / ray.z
    }
}

/// Points of one pair laid out on rectified image 1's grid (NaN where none): what the
/// disparities give, before fusion. World frame, mm. The disparity of pixel (x, y) is
/// x − x₂ for a horizontal pair, y − y₂ for a vertical one.
public struct OrganizedPoints: Sendable {
    public let width: Int
    public let height: Int
    public var positions: [SIMD3<Float>]
    /// The disparity each point came from (px), NaN where none.
    public var disparity: [Float]
    /// Rig views that agree on the point: 2, or 3 and more after `MultiViewRefinement`.
    public var views: [UInt8]

    public var count: Int { positions.lazy.filter { !$0.x.isNaN }.count }

    /// The pair's reprojection: OpenCV's Q terms (q[3], q[7], q[11], q[14], q[15]) and the
    /// world pose of the rectified left camera.
    let reprojection: (q3: Double, q7: Double, q11: Double, q14: Double, q15: Double)
    let worldFromRectified: RigidTransform

    /// The world point (mm) of rectified pixel (u, v) at disparity `d` (px), nil behind the
    /// cameras. Sub-pixel and off-grid positions are allowed.
    public func point(u: Double, v: Double, disparity d: Double) -> SIMD3<Double>? {
        let hw = reprojection.q14 * d + reprojection.q15
        guard hw > 0 else { return nil }
        let p = SIMD3(u + reprojection.q3, v + reprojection.q7, reprojection.q11) / hw
        return worldFromRectified.rotation.matrix * p + worldFromRectified.translation
    }

    /// Triangulates every pixel with a disparity (OpenCV's Q, then to the world frame).
    public init(pair: StereoPair, disparity map: DisparityMap) {
        width = map.width; height = map.height
        let rect = pair.rectification
        let q = rect.disparityToDepth
        let r = pair.worldFromRectified.rotation.matrix, t = pair.worldFromRectified.translation
        let w = map.width
        var out = [SIMD3<Float>](parallelRepeating: SIMD3(repeating: .nan), count: map.width * map.height)
        map.disparity.withUnsafeBufferPointer { dp in
            out.withUnsafeMutableBufferPointer { op in
                let d = UnsafeSendable(UnsafeMutablePointer(mutating: dp.baseAddress!)), o = UnsafeSendable(op.baseAddress!)
                Parallel.perform(iterations: map.height) { y in
                    for x in 0..<w {
                        let disparity = Double(d.pointer![y * w + x])
                        guard !disparity.isNaN else { continue }
                        let u = Double(x), v = Double(y)
                        // Q·(u, v, d, 1); d runs along rows (horizontal pair) or columns.
                        let hw = q[14] * disparity + q[15]
                        guard hw > 0 else { continue }
                        let p = SIMD3(u + q[3], v + q[7], q[11]) / hw
                        o.pointer![y * w + x] = SIMD3<Float>(r * p + t)
                    }
                }
            }
        }
        positions = out
        reprojection = (q[3], q[7], q[11], q[14], q[15])
        worldFromRectified = pair.worldFromRectified
        disparity = map.disparity
        views = [UInt8](parallelRepeating: 2, count: map.width * map.height)
    }
}
