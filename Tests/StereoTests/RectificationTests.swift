import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Stereo
import TestSupport
import Testing

/// Rectification against `cv2.stereoRectify` (shared/data/opencv-vectors/stereo_rectify.json,
/// CALIB_ZERO_DISPARITY, alpha −1) and against its own geometry.
@Suite struct RectificationTests {
    struct Case {
        var camera1: PinholeCamera, camera2: PinholeCamera, cam2FromCam1: RigidTransform
        var r1: [Double], r2: [Double], p1: [Double], p2: [Double], q: [Double]
    }

    static let cases: [Case] = {
        let json = try! loadJSON(TestPaths.shared("opencv-vectors/stereo_rectify.json")) as! [String: Any]
        return json.objects("cases").map { c in
            let size = c.doubles("imageSize")
            func camera(_ o: [String: Any]) -> PinholeCamera {
                PinholeCamera(intrinsics: Intrinsics(fx: o.double("fx"), fy: o.double("fy"), cx: o.double("cx"), cy: o.double("cy")),
                              distortion: Distortion(o.doubles("distortion")), imageWidth: Int(size[0]), imageHeight: Int(size[1]))
            }
            let pose = RigidTransform(rotation: Rotation(unchecked: Matrix3x3(rowMajor: c.doubles("R"))),
                                      translation: SIMD3(c.doubles("T")[0], c.doubles("T")[1], c.doubles("T")[2]))
            return Case(camera1: camera(c.object("camera1")), camera2: camera(c.object("camera2")), cam2FromCam1: pose,
                        r1: c.doubles("R1"), r2: c.doubles("R2"), p1: c.doubles("P1"), p2: c.doubles("P2"), q: c.doubles("Q"))
        }
    }()

    @Test func matchesOpenCVsStereoRectify() throws {
        #expect(Self.cases.count == 2)
        var worstRotation = 0.0, worstPixel = 0.0
        for c in Self.cases {
            let r = StereoRectification(camera1: c.camera1, camera2: c.camera2, cam2FromCam1: c.cam2FromCam1)
            #expect(r.isHorizontal)
            for (ours, theirs) in [(r.rectified1FromCam1.matrix.rowMajor, c.r1), (r.rectified2FromCam2.matrix.rowMajor, c.r2)] {
                worstRotation = max(worstRotation, zip(ours, theirs).map { abs($0 - $1) }.max()!)
            }
            // P: focal and principal points in px, P2's baseline term in px·mm.
            for (ours, theirs) in [(r.projection1, c.p1), (r.projection2, c.p2)] {
                for (a, b) in zip(ours, theirs) {
                    worstPixel = max(worstPixel, abs(a - b) / max(1, abs(b) / 1000))
                }
            }
            for (a, b) in zip(r.disparityToDepth, c.q) {
                #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "Q: \(r.disparityToDepth) vs \(c.q)")
            }
        }
        #expect(worstRotation <= 1e-12, "R1/R2 off by \(worstRotation)")
        #expect(worstPixel <= 1e-9, "P1/P2 off by \(worstPixel) px")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE stereoRectify vs OpenCV: R1/R2 \(worstRotation), P1/P2 \(worstPixel) px")
        }
    }

    /// Points seen by both cameras land on one row of the rectified pair, and their
    /// disparity gives them back through Q.
    @Test(arguments: [0, 1]) func rowsAlignAndDisparityGivesDepth(index: Int) throws {
        let c = Self.cases[index]
        let r = StereoRectification(camera1: c.camera1, camera2: c.camera2, cam2FromCam1: c.cam2FromCam1)
        let rect1 = r.rectifiedCamera(1), rect2 = r.rectifiedCamera(2)
        var state: UInt64 = 99
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) * 0x1p-53 }
        var worstRow = 0.0, worstPoint = 0.0, checked = 0
        for _ in 0..<500 {
            let x = SIMD3(uniform() * 600 - 300, uniform() * 400 - 200, 700 + uniform() * 900)
            let x2 = c.cam2FromCam1.apply(x)
            guard c.camera1.project(cameraPoint: x) != nil, c.camera2.project(cameraPoint: x2) != nil else { continue }
            let q1 = r.rectified1FromCam1.apply(x), q2 = r.rectified2FromCam2.apply(x2)
            let u1 = try #require(rect1.project(cameraPoint: q1)), u2 = try #require(rect2.project(cameraPoint: q2))
            worstRow = max(worstRow, abs(u1.y - u2.y))
            let back = try #require(r.point(pixel: u1, disparity: u1.x - u2.x))
            worstPoint = max(worstPoint, length(back - q1))
            checked += 1
        }
        #expect(checked > 300)
        #expect(worstRow <= 1e-9, "rows differ by \(worstRow) px")
        #expect(worstPoint <= 1e-6, "Q gives points \(worstPoint) mm off")
    }

    /// A camera pair one above the other is rectified along columns.
    @Test func verticalPairRectifiesAlongColumns() throws {
        let camera = PinholeCamera(intrinsics: Intrinsics(fx: 1000, fy: 1000, cx: 319.5, cy: 239.5), distortion: Distortion(k1: -0.1),
                                   imageWidth: 640, imageHeight: 480)
        let pose = RigidTransform(rodrigues: SIMD3(0.05, 0.01, 0.02), translation: SIMD3(2, -120, 5))
        let r = StereoRectification(camera1: camera, camera2: camera, cam2FromCam1: pose)
        #expect(!r.isHorizontal)
        let x = SIMD3<Double>(30, -20, 800)
        let u1 = r.rectifiedCamera(1).project(cameraPoint: r.rectified1FromCam1.apply(x))!
        let u2 = r.rectifiedCamera(2).project(cameraPoint: r.rectified2FromCam2.apply(pose.apply(x)))!
        #expect(abs(u1.x - u2.x) < 1e-9)
        let back = try #require(r.point(pixel: u1, disparity: u1.y - u2.y))
        #expect(length(back - r.rectified1FromCam1.apply(x)) < 1e-6)
    }

    /// The map sends each rectified pixel to the original pixel that sees the same ray, and
    /// the bilinear remap reproduces an image that is linear in x and y exactly.
    @Test func mapInvertsRectificationAndRemapIsBilinear() throws {
        let c = Self.cases[1]
        // A small pair (1/8 of the case's size) keeps the test quick; geometry is the same.
        func small(_ cam: PinholeCamera) -> PinholeCamera {
            let k = cam.intrinsics, s = 0.125
            return PinholeCamera(intrinsics: Intrinsics(fx: k.fx * s, fy: k.fy * s, cx: (k.cx + 0.5) * s - 0.5, cy: (k.cy + 0.5) * s - 0.5),
                                 distortion: cam.distortion, imageWidth: cam.imageWidth / 8, imageHeight: cam.imageHeight / 8)
        }
        let camera1 = small(c.camera1), camera2 = small(c.camera2)
        let r = StereoRectification(camera1: camera1, camera2: camera2, cam2FromCam1: c.cam2FromCam1)
        let map = RectificationMap(r, camera: 2, original: camera2)
        #expect(map.width == 160 && map.height == 120)
        var worst = 0.0, inside = 0
        for y in stride(from: 0, to: map.height, by: 7) {
            for x in stride(from: 0, to: map.width, by: 7) {
                let s = map.source[y * map.width + x]
                guard s.x.isFinite, let n = camera2.unproject(pixel: SIMD2<Double>(s)) else { continue }
                let back = r.rectifiedCamera(2).project(cameraPoint: r.rectified2FromCam2.apply(SIMD3(n.x, n.y, 1)))!
                worst = max(worst, length(SIMD3(back.x - Double(x), back.y - Double(y), 0)))
                inside += 1
            }
        }
        #expect(inside > 300)
        #expect(worst < 1e-3, "map round trip \(worst) px")  // Float32 storage of the map
        // Remap a linear image: value = 2x + 3y + 5 at every original pixel.
        let w = camera2.imageWidth, h = camera2.imageHeight
        let ramp = Image<Float>(width: w, height: h, layout: .gray, pixels: (0..<(w * h)).map { Float(2 * ($0 % w) + 3 * ($0 / w) + 5) })
        let out = map.remap(ramp)
        var worstValue: Float = 0, valid = 0, empty = 0
        for (v, s) in zip(out.pixels, map.source) {
            if v.isNaN { empty += 1; continue }
            worstValue = max(worstValue, abs(v - (2 * s.x + 3 * s.y + 5)))
            valid += 1
        }
        #expect(valid > w * h / 2 && empty > 0)
        #expect(worstValue < 1e-3, "bilinear remap off by \(worstValue)")
    }
}
