import Foundation
import Rendering
import Surface

/// A 1.5 M-face mesh for the renderer (issue 20 asks ≤ 0.5 s at 1024 × 1024 on 2 cores): a
/// torso-sized wavy sheet, 867 × 867 vertices 0.4 mm apart, 1,000 mm from the first camera.
enum RenderInputs {
    static let mesh: TriangleMesh = {
        let n = 867, step = 0.4
        var vertices: [SIMD3<Double>] = [], faces: [SIMD3<Int32>] = []
        vertices.reserveCapacity(n * n); faces.reserveCapacity(2 * (n - 1) * (n - 1))
        for j in 0..<n {
            for i in 0..<n {
                let x = (Double(i) - Double(n) / 2) * step, y = (Double(j) - Double(n) / 2) * step
                vertices.append(SIMD3(x, y, 1000 - 30 * exp(-(x * x + y * y) / 8000) + 2 * sin(x / 9) * cos(y / 7)))
            }
        }
        for j in 0..<(n - 1) {
            for i in 0..<(n - 1) {
                let a = Int32(j * n + i)
                faces.append(SIMD3(a, a + Int32(n), a + Int32(n) + 1)); faces.append(SIMD3(a, a + Int32(n) + 1, a + 1))
            }
        }
        return TriangleMesh(vertices: vertices, faces: faces)
    }()
    static let camera = StandardView.front.camera(for: mesh, rig: nil, width: 1024, height: 1024)!
}
