import Foundation
import Geometry
import LinearAlgebra
import Reconstruction
import TestSupport
import Testing

/// Linear triangulation against `cv2.triangulatePoints` (shared/data/opencv-vectors/
/// triangulate.json) and against the generating points.
@Suite struct TriangulationTests {
    @Test func matchesOpenCVsTriangulatePoints() throws {
        let json = try loadJSON(TestPaths.shared("opencv-vectors/triangulate.json")) as! [String: Any]
        var figures: [String] = []
        for c in json.objects("cases") {
            let p1 = ProjectionMatrix(rowMajor: c.doubleRows("P1").flatMap { $0 })
            let p2 = ProjectionMatrix(rowMajor: c.doubleRows("P2").flatMap { $0 })
            let x1 = c.doubleRows("x1").map { SIMD2($0[0], $0[1]) }, x2 = c.doubleRows("x2").map { SIMD2($0[0], $0[1]) }
            let opencv = c.doubleRows("opencvX").map { SIMD3($0[0], $0[1], $0[2]) }
            let truth = c.doubleRows("trueX").map { SIMD3($0[0], $0[1], $0[2]) }
            let ours = Triangulation.linear([p1, p2], pixels: [x1, x2])
            #expect(ours.count == 300)
            var worstOpenCV = 0.0, worstTruth = 0.0
            for (i, x) in ours.enumerated() {
                let x = try #require(x)
                worstOpenCV = max(worstOpenCV, length(x - opencv[i]) / length(opencv[i]))
                worstTruth = max(worstTruth, length(x - truth[i]))
                // The one-point call gives the same point.
                #expect(length(Triangulation.linear([p1, p2], [x1[i], x2[i]])! - x) <= 1e-9)
            }
            // The same equations and SVD: OpenCV's points to 1e-9 relative.
            #expect(worstOpenCV <= 1e-9, "noise \(c.double("noisePx")) px: \(worstOpenCV) relative to OpenCV")
            if c.double("noisePx") == 0 {
                #expect(worstTruth <= 1e-6, "noise-free points \(worstTruth) mm off the truth")
            } else {
                // 0.5 px of noise over a ~320 mm baseline at ~1 m: a few mm in depth at most.
                #expect(worstTruth <= 10, "noisy points \(worstTruth) mm off the truth")
            }
            figures.append("noise \(c.double("noisePx")): vs OpenCV \(worstOpenCV) relative, vs truth \(worstTruth) mm")
        }
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE triangulatePoints: " + figures.joined(separator: "; ")) }
    }

    /// Three views refine a point that two views leave noisy, and parallel rays give nil.
    @Test func moreViewsAndDegenerateRays() throws {
        let camera = PinholeCamera(intrinsics: Intrinsics(fx: 4000, fy: 4000, cx: 1223.5, cy: 1023.5), imageWidth: 2448, imageHeight: 2048)
        let poses = [0.0, 18.0, -18.0].map { deg -> RigidTransform in
            let r = Rotation(rodrigues: SIMD3(0, deg * .pi / 180, 0))
            return RigidTransform(rotation: r, translation: SIMD3(0, 0, 1000) - r.apply(SIMD3(0, 0, 1000)))
        }
        let projections = poses.map { ProjectionMatrix(camera, camFromWorld: $0) }
        let x = SIMD3<Double>(35, -20, 980)
        let pixels = poses.map { camera.project(x, camFromWorld: $0)! }
        let three = try #require(Triangulation.linear(projections, pixels))
        #expect(length(three - x) < 1e-8)
        for (p, px) in zip(projections, pixels) { #expect(Triangulation.reprojectionError(three, p, px) < 1e-6) }
        // The same camera twice: every point on the ray fits, so there is no answer.
        #expect(Triangulation.linear([projections[0], projections[0]], [pixels[0], pixels[0]]) == nil)
        // A point behind the cameras is refused, not returned: its pixels (the projective
        // image of a point behind, as P·X gives them) are fed in directly.
        let behind = SIMD4<Double>(0, 0, -500, 1)
        let flipped = projections.map { p -> SIMD2<Double> in
            let r = p.rows, w = (SIMD4(r[8], r[9], r[10], r[11]) * behind).sum()
            return SIMD2((SIMD4(r[0], r[1], r[2], r[3]) * behind).sum(), (SIMD4(r[4], r[5], r[6], r[7]) * behind).sum()) / w
        }
        #expect(projections[0].project(SIMD3(0, 0, -500)) == nil)
        #expect(Triangulation.linear(projections, flipped) == nil)
    }
}
