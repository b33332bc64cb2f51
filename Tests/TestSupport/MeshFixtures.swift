import Foundation
import Surface

/// Meshes with known geometry for tests.
public enum MeshFixtures {
    /// A height field z = f(x, y) over the square [−half, half]² (mm), triangulated on a grid
    /// of `step` with alternating diagonals; faces face +z.
    public static func heightField(half: Double, step: Double, _ f: (Double, Double) -> Double) -> TriangleMesh {
        let n = Int((2 * half / step).rounded())
        var v: [SIMD3<Double>] = [], faces: [SIMD3<Int32>] = []
        for j in 0...n { for i in 0...n {
            let x = -half + Double(i) * step, y = -half + Double(j) * step
            v.append(SIMD3(x, y, f(x, y)))
        } }
        func id(_ i: Int, _ j: Int) -> Int32 { Int32(j * (n + 1) + i) }
        for j in 0..<n { for i in 0..<n {
            if (i + j) % 2 == 0 {
                faces.append(SIMD3(id(i, j), id(i + 1, j), id(i + 1, j + 1))); faces.append(SIMD3(id(i, j), id(i + 1, j + 1), id(i, j + 1)))
            } else {
                faces.append(SIMD3(id(i, j), id(i + 1, j), id(i, j + 1))); faces.append(SIMD3(id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)))
            }
        } }
        return TriangleMesh(vertices: v, faces: faces)
    }
}
