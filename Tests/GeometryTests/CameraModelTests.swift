import Foundation
import Geometry
import LinearAlgebra
import TestSupport
import Testing

/// Reads a camera object of the OpenCV vector files.
func camera(_ c: [String: Any], size: [Double]) -> PinholeCamera {
    PinholeCamera(intrinsics: Intrinsics(fx: c.double("fx"), fy: c.double("fy"), cx: c.double("cx"), cy: c.double("cy")),
                  distortion: Distortion(c.doubles("distortion")),
                  imageWidth: Int(size[0]), imageHeight: Int(size[1]))
}

/// The camera model against `cv2.projectPoints` (shared/data/opencv-vectors): projection
/// within 1e-6 px, undistortion within 1e-6 in normalized coordinates inside the image.
@Suite struct CameraModelTests {
    nonisolated(unsafe) static let projectCases = (try! loadJSON(TestPaths.shared("opencv-vectors/project_points.json")) as! [String: Any]).objects("cases")
    nonisolated(unsafe) static let distortionCases = (try! loadJSON(TestPaths.shared("opencv-vectors/distortion_pairs.json")) as! [String: Any]).objects("cases")

    @Test func projectionMatchesOpenCV() throws {
        #expect(Self.projectCases.count == 4)
        var worst = 0.0
        for c in Self.projectCases {
            let cam = camera(c.object("camera"), size: c.doubles("imageSize"))
            let r = c.doubles("rvec"), t = c.doubles("tvec")
            let pose = RigidTransform(rodrigues: SIMD3(r[0], r[1], r[2]), translation: SIMD3(t[0], t[1], t[2]))
            let points = c.doubleRows("objectPoints"), pixels = c.doubleRows("imagePoints")
            #expect(points.count == 200)
            for (p, expected) in zip(points, pixels) {
                let pixel = try #require(cam.project(SIMD3(p[0], p[1], p[2]), camFromWorld: pose))
                worst = max(worst, abs(pixel.x - expected[0]), abs(pixel.y - expected[1]))
            }
        }
        #expect(worst <= 1e-6, "worst projection error \(worst) px")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE projection vs cv2.projectPoints: worst \(worst) px") }
    }

    @Test func distortionPairsMatchOpenCV() throws {
        for c in Self.distortionCases {
            let cam = camera(c.object("camera"), size: c.doubles("imageSize"))
            for (n, px) in zip(c.doubleRows("normalized"), c.doubleRows("pixels")) {
                let pixel = cam.intrinsics.pixel(fromNormalized: cam.distortion.distort(SIMD2(n[0], n[1])))
                #expect(abs(pixel.x - px[0]) <= 1e-6 && abs(pixel.y - px[1]) <= 1e-6)
            }
        }
    }

    @Test func undistortionInvertsOpenCVProjectionInsideTheImage() throws {
        var worst = 0.0, checked = 0
        for c in Self.distortionCases {
            let cam = camera(c.object("camera"), size: c.doubles("imageSize"))
            for (n, px) in zip(c.doubleRows("normalized"), c.doubleRows("pixels")) {
                let pixel = SIMD2(px[0], px[1])
                guard cam.contains(pixel: pixel) else { continue }
                let u = try #require(cam.unproject(pixel: pixel), "no inverse at \(pixel)")
                worst = max(worst, abs(u.x - n[0]), abs(u.y - n[1]))
                checked += 1
            }
        }
        #expect(checked >= 1000)
        #expect(worst <= 1e-6, "worst undistortion error \(worst)")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE undistortion vs OpenCV pairs: \(checked) inside the image, worst \(worst) normalized") }
    }

    @Test func undistortionReachesTheImageCornersOfAStronglyDistortedLens() throws {
        // k1 = −0.28 (the vectors' strongest barrel lens): every pixel of the image,
        // corners included, unprojects and projects back to itself.
        let cam = camera(Self.distortionCases[1].object("camera"), size: Self.distortionCases[1].doubles("imageSize"))
        var worst = 0.0
        for y in stride(from: -0.5, through: Double(cam.imageHeight) - 0.5, by: 40) {
            for x in stride(from: -0.5, through: Double(cam.imageWidth) - 0.5, by: 40) {
                let n = try #require(cam.unproject(pixel: SIMD2(x, y)), "no inverse at (\(x), \(y))")
                let back = try #require(cam.project(cameraPoint: SIMD3(n.x, n.y, 1)))
                worst = max(worst, abs(back.x - x), abs(back.y - y))
            }
        }
        #expect(worst <= 1e-9, "worst round trip \(worst) px")
    }

    @Test func pointsBehindTheCameraDoNotProject() {
        let cam = PinholeCamera(intrinsics: Intrinsics(fx: 800, fy: 800, cx: 320, cy: 240), imageWidth: 640, imageHeight: 480)
        #expect(cam.project(cameraPoint: SIMD3(0, 0, -1)) == nil)
        #expect(cam.project(cameraPoint: SIMD3(0, 0, 0)) == nil)
        #expect(cam.project(cameraPoint: SIMD3(0, 0, 1000)) == SIMD2(320, 240))  // principal point
    }

    @Test func pixelCentreConvention() {
        // Pixel (0,0) is the centre of the top-left pixel; the image spans [−0.5, w − 0.5].
        let cam = PinholeCamera(intrinsics: Intrinsics(fx: 100, fy: 100, cx: 1.5, cy: 1.5), imageWidth: 4, imageHeight: 4)
        #expect(cam.contains(pixel: SIMD2(-0.5, -0.5)) && cam.contains(pixel: SIMD2(3.5, 3.5)))
        #expect(!cam.contains(pixel: SIMD2(3.51, 0)) && !cam.contains(pixel: SIMD2(0, -0.51)))
        let ray = cam.ray(throughPixel: SIMD2(1.5, 1.5))!
        #expect(ray == SIMD3(0, 0, 1))  // the centre of a 4×4 image looks down +Z
    }
}

/// Analytic Jacobians against central finite differences, to 1e-6 relative.
@Suite struct JacobianTests {
    struct Parameters {
        var k: [Double]  // fx fy cx cy
        var d: [Double]  // k1 k2 p1 p2 k3
        var r: SIMD3<Double>
        var t: SIMD3<Double>
        var x: SIMD3<Double>

        var vector: [Double] { k + d + [r.x, r.y, r.z, t.x, t.y, t.z, x.x, x.y, x.z] }

        init(k: [Double], d: [Double], r: SIMD3<Double>, t: SIMD3<Double>, x: SIMD3<Double>) {
            self.k = k; self.d = d; self.r = r; self.t = t; self.x = x
        }

        init(_ v: [Double]) {
            k = Array(v[0..<4]); d = Array(v[4..<9])
            r = SIMD3(v[9], v[10], v[11]); t = SIMD3(v[12], v[13], v[14]); x = SIMD3(v[15], v[16], v[17])
        }

        var camera: PinholeCamera {
            PinholeCamera(intrinsics: Intrinsics(fx: k[0], fy: k[1], cx: k[2], cy: k[3]), distortion: Distortion(d),
                          imageWidth: 2448, imageHeight: 2048)
        }

        func project() -> SIMD2<Double> {
            camera.project(x, camFromWorld: RigidTransform(rodrigues: r, translation: t))!
        }
    }

    static func check(_ p: Parameters) throws -> Double {
        let j = try #require(p.camera.projectionJacobian(of: p.x, rvec: p.r, tvec: p.t))
        #expect(length(SIMD3(j.pixel.x, j.pixel.y, 0) - SIMD3(p.project().x, p.project().y, 0)) <= 1e-12 * 4000)
        let analytic = j.matrix
        let base = p.vector
        var worst = 0.0
        for i in 0..<base.count {
            // The pixel is exactly linear in each intrinsic and distortion coefficient, so a
            // unit step has no truncation error and the least round-off; the pose and the
            // point enter nonlinearly: small steps, central differences (error O(h²)).
            let h: Double
            switch i {
            case 0..<9: h = 1
            case 9..<12: h = 1e-5          // radians
            default: h = 1e-3              // mm
            }
            var plus = base, minus = base
            plus[i] += h; minus[i] -= h
            let fd = (Parameters(plus).project() - Parameters(minus).project()) / (2 * h)
            let column = SIMD2(analytic[0, i], analytic[1, i])
            let scale = length(SIMD3(column.x, column.y, 0))
            let error = max(abs(fd.x - column.x), abs(fd.y - column.y)) / scale
            worst = max(worst, error)
            #expect(error <= 1e-6, "parameter \(i): analytic \(column), finite difference \(fd)")
        }
        return worst
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func jacobiansMatchFiniteDifferences(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        let p = Parameters(
            k: [g.uniform(1000, 4500), g.uniform(1000, 4500), g.uniform(600, 1400), g.uniform(500, 1100)],
            d: [g.uniform(-0.3, 0.1), g.uniform(-0.1, 0.2), g.uniform(-2e-3, 2e-3), g.uniform(-2e-3, 2e-3), g.uniform(-0.02, 0.02)],
            r: SIMD3(g.uniform(-1.5, 1.5), g.uniform(-1.5, 1.5), g.uniform(-1.5, 1.5)),
            t: SIMD3(g.uniform(-100, 100), g.uniform(-100, 100), g.uniform(800, 1500)),
            x: SIMD3(g.uniform(-150, 150), g.uniform(-150, 150), g.uniform(-50, 50)))
        _ = try Self.check(p)
    }

    @Test func jacobiansNearZeroRotation() throws {
        for r in [SIMD3<Double>(0, 0, 0), SIMD3(1e-9, -2e-9, 5e-10), SIMD3(3e-6, 1e-6, -2e-6)] {
            let p = Parameters(k: [4100, 4098.5, 1223.5, 1023.5], d: [-0.08, 0.12, 4e-4, -2e-4, 0],
                               r: r, t: SIMD3(10, -20, 1000), x: SIMD3(40, -30, 20))
            _ = try Self.check(p)
        }
    }

    @Test func rotatedVectorJacobianNearPi() throws {
        let r = SIMD3(0.0, 3.14159, 0.001)
        let v = SIMD3(0.3, -1.0, 2.0)
        let analytic = rotatedVectorJacobian(rvec: r, rotation: Rotation(rodrigues: r).matrix, vector: v)
        for i in 0..<3 {
            var plus = r, minus = r
            plus[i] += 1e-6; minus[i] -= 1e-6
            let fd = (Rotation(rodrigues: plus).apply(v) - Rotation(rodrigues: minus).apply(v)) / 2e-6
            #expect(length(fd - analytic[i]) <= 1e-6 * max(length(analytic[i]), 1))
        }
    }
}

@Suite struct BatchProjectionTests {
    @Test func batchMatchesSinglePointProjection() throws {
        let c = CameraModelTests.projectCases[1]
        let cam = camera(c.object("camera"), size: c.doubles("imageSize"))
        let r = c.doubles("rvec"), t = c.doubles("tvec")
        let pose = RigidTransform(rodrigues: SIMD3(r[0], r[1], r[2]), translation: SIMD3(t[0], t[1], t[2]))
        var points = c.doubleRows("objectPoints").map { SIMD3($0[0], $0[1], $0[2]) }
        points.append(SIMD3(0, 0, -1e6))  // behind the camera
        let batch = cam.project(points, camFromWorld: pose)
        for (p, b) in zip(points.dropLast(), batch) {
            let single = try #require(cam.project(p, camFromWorld: pose))
            #expect(abs(single.x - b.x) <= 1e-9 && abs(single.y - b.y) <= 1e-9)
        }
        #expect(batch.last!.x.isNaN)
    }
}
