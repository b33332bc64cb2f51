import Foundation

/// A triangle mesh in mm: vertex positions and faces as vertex index triples, wound
/// counter-clockwise seen from outside (the outward normal is (b − a) × (c − a)), with
/// optional per-vertex normals and colours.
public struct TriangleMesh: Sendable {
    public var vertices: [SIMD3<Double>]
    public var faces: [SIMD3<Int32>]
    public var normals: [SIMD3<Float>]?
    public var colors: [SIMD3<UInt8>]?

    /// - Precondition: every face index names a vertex.
    public init(vertices: [SIMD3<Double>], faces: [SIMD3<Int32>], normals: [SIMD3<Float>]? = nil, colors: [SIMD3<UInt8>]? = nil) {
        precondition(faces.allSatisfy { f in (0..<3).allSatisfy { f[$0] >= 0 && Int(f[$0]) < vertices.count } }, "face index out of range")
        self.vertices = vertices; self.faces = faces; self.normals = normals; self.colors = colors
    }

    /// Total surface area (mm²): the sum of the triangles' areas.
    public var area: Double {
        var sum = 0.0, compensation = 0.0
        for f in faces {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = crossProduct(b - a, c - a)
            // Kahan summation: many small terms.
            let y = 0.5 * (n * n).sum().squareRoot() - compensation
            let t = sum + y
            compensation = (t - sum) - y
            sum = t
        }
        return sum
    }

    /// Axis-aligned bounds (mm); nil without vertices.
    public var bounds: (min: SIMD3<Double>, max: SIMD3<Double>)? {
        guard var lo = vertices.first else { return nil }
        var hi = lo
        for v in vertices { lo = pointwiseMin(lo, v); hi = pointwiseMax(hi, v) }
        return (lo, hi)
    }
}

func crossProduct(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
