import Foundation
import LinearAlgebra
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

    /// A sphere of `radius` about `centre`: an icosahedron subdivided `levels` times, outward faces.
    public static func sphere(radius: Double, centre: SIMD3<Double>, levels: Int) -> TriangleMesh {
        let t = (1 + 5.0.squareRoot()) / 2
        var v: [SIMD3<Double>] = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
                                  [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]].map { normalize($0) }
        var f: [SIMD3<Int32>] = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
                                 [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]]
        for _ in 0..<levels {
            var mid: [UInt64: Int32] = [:], next: [SIMD3<Int32>] = []
            func m(_ a: Int32, _ b: Int32) -> Int32 {
                let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
                if let k = mid[key] { return k }
                v.append(normalize(v[Int(a)] + v[Int(b)])); mid[key] = Int32(v.count - 1); return Int32(v.count - 1)
            }
            for x in f {
                let ab = m(x.x, x.y), bc = m(x.y, x.z), ca = m(x.z, x.x)
                next += [SIMD3(x.x, ab, ca), SIMD3(x.y, bc, ab), SIMD3(x.z, ca, bc), SIMD3(ab, bc, ca)]
            }
            f = next
        }
        return TriangleMesh(vertices: v.map { centre + radius * $0 }, faces: f)
    }
}

extension TriangleMesh {
    /// Points on the mesh's surface, not only its vertices: the vertices and, inside each
    /// face, a barycentric lattice with about `spacing` mm between samples (at least the
    /// centroid), so that a decimated mesh's large faces are measured across, where a
    /// simplification error would show.
    public func surfaceSamples(spacing: Double) -> [SIMD3<Float>] {
        var out = vertices.map { SIMD3<Float>($0) }
        for f in faces {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let longest = Swift.max(length(b - a), length(c - b), length(a - c))
            let n = Swift.max(3, Int((longest / spacing).rounded(.up)))
            for i in 1..<n {
                for j in 1..<(n - i) {
                    let u = Double(i) / Double(n), v = Double(j) / Double(n)
                    out.append(SIMD3<Float>(a + u * (b - a) + v * (c - a)))
                }
            }
        }
        return out
    }
}
