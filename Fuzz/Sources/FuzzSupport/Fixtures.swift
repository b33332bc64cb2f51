import Foundation
import Geometry
import LinearAlgebra
import Surface

/// What the landmark and plan harnesses measure on: a dome on a plane (a height field in
/// front of one camera), the shape of the clinical scenes in miniature.
public enum FuzzFixtures {
    /// 31 × 31 vertices over 60 × 60 mm at z ≈ 500 mm, a 15 mm dome in the middle.
    public static let mesh: TriangleMesh = {
        let n = 31
        var vertices: [SIMD3<Double>] = []
        for j in 0..<n {
            for i in 0..<n {
                let x = Double(i - n / 2) * 2, y = Double(j - n / 2) * 2
                vertices.append(SIMD3(x, y, 500 - 15 * exp(-(x * x + y * y) / 200)))
            }
        }
        var faces: [SIMD3<Int32>] = []
        for j in 0..<(n - 1) {
            for i in 0..<(n - 1) {
                let a = Int32(j * n + i), b = a + 1, c = a + Int32(n), d = c + 1
                faces.append(SIMD3(a, c, b)); faces.append(SIMD3(b, c, d))
            }
        }
        return TriangleMesh(vertices: vertices, faces: faces)
    }()

    /// One camera, `cam0`, at the origin looking along +z, 640 × 480 px.
    public static let rig = Rig(cameras: [
        RigCamera(id: "cam0",
                  camera: PinholeCamera(intrinsics: Intrinsics(fx: 800, fy: 800, cx: 319.5, cy: 239.5), imageWidth: 640, imageHeight: 480),
                  camFromWorld: .identity),
    ])
}
