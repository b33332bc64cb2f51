import Foundation
import Geometry
import LinearAlgebra
import Surface

/// Mirror symmetry of a surface: the mesh registered onto its own reflection.
public struct MirrorSymmetry: Sendable {
    /// The best symmetry (sagittal) plane, mm.
    public var plane: Plane
    /// For each vertex, the signed distance (mm) of its mirror image from the surface:
    /// positive where this side stands out beyond the other side's mirror image, negative
    /// where it lies inside it; NaN where the mirror image falls off the mesh.
    public var asymmetry: [Double]
    /// RMS of `asymmetry` over the vertices whose mirror image falls on the mesh, mm.
    public var rms: Double
    /// Share of vertices whose mirror image falls on the mesh.
    public var overlap: Double
    /// Where this side stands out most, and lies in most (vertex positions, mm).
    public var peakOut: (point: SIMD3<Double>, value: Double)
    public var peakIn: (point: SIMD3<Double>, value: Double)
    public var registration: Registration.Result
}

extension TriangleMesh {
    /// Mirror symmetry. The reflection is tried about the planes through the vertex centroid
    /// normal to each principal axis; each reflected mesh is registered onto the mesh (ICP,
    /// robust), and the axis whose registration leaves the smallest residual wins. The
    /// symmetry plane is the one the composite (reflection, then registration) reflects about.
    /// - Throws: `RegistrationError` when no reflection overlaps the mesh.
    public func mirrorSymmetry(options: Registration.Options = Registration.Options()) throws -> MirrorSymmetry {
        guard vertices.count >= 10 else { throw RegistrationError(problem: "too few vertices for a symmetry analysis") }
        let c = vertices.reduce(.zero, +) / Double(vertices.count)
        var cov = [Double](repeating: 0, count: 9)
        let step = max(1, vertices.count / 100_000)
        for k in stride(from: 0, to: vertices.count, by: step) {
            let d = vertices[k] - c
            for i in 0..<3 { for j in 0..<3 { cov[i * 3 + j] += d[i] * d[j] } }
        }
        let axes = try Matrix(rows: 3, columns: 3, elements: cov).symmetricEigen().eigenvectors
        var best: (result: Registration.Result, normal: SIMD3<Double>)?
        for i in 0..<3 {
            let n = SIMD3(axes[0, i], axes[1, i], axes[2, i])
            let mirrored = reflected(about: Plane(point: c, normal: n))
            guard let r = try? Registration.align(mirrored, onto: self, initial: RigidTransform(rotation: .identity, translation: .zero), options: options) else { continue }
            if best == nil || r.inlierFraction / max(r.rms, 1e-9) > best!.result.inlierFraction / max(best!.result.rms, 1e-9) { best = (r, n) }
        }
        guard let (registration, n0) = best else { throw RegistrationError(problem: "the mesh's reflection does not overlap it about any principal plane") }
        // The composite x ↦ T(F x): linear part R (I − 2 n₀n₀ᵀ); its mirror axis is the
        // eigenvector of its symmetric part with the eigenvalue nearest −1.
        let f = Matrix3x3.identity - 2 * Matrix3x3.outer(n0, n0)
        let m = registration.transform.rotation.matrix * f
        let sym = 0.5 * (m + m.transposed)
        let e = try Matrix(rows: 3, columns: 3, elements: (0..<9).map { sym[$0 / 3, $0 % 3] }).symmetricEigen()
        let normal = normalize(SIMD3(e.eigenvectors[0, 0], e.eigenvectors[1, 0], e.eigenvectors[2, 0]))
        func image(_ x: SIMD3<Double>) -> SIMD3<Double> {
            let p = Plane(point: c, normal: n0)
            return registration.transform.apply(x - 2 * p.distance(x) * p.normal)
        }
        let plane = Plane(point: 0.5 * (c + image(c)), normal: normal)
        let asymmetry = signedDistances(to: vertices.map(image))
        var sum = 0.0, count = 0
        var peakOut = (point: c, value: -Double.infinity), peakIn = (point: c, value: Double.infinity)
        for (k, d) in asymmetry.enumerated() where d.isFinite {
            sum += d * d; count += 1
            if d > peakOut.value { peakOut = (vertices[k], d) }
            if d < peakIn.value { peakIn = (vertices[k], d) }
        }
        return MirrorSymmetry(plane: plane, asymmetry: asymmetry, rms: (sum / Double(max(count, 1))).squareRoot(),
                              overlap: Double(count) / Double(vertices.count), peakOut: peakOut, peakIn: peakIn,
                              registration: registration)
    }

    /// The mesh reflected about `plane`, faces reversed so they still face outward.
    public func reflected(about plane: Plane) -> TriangleMesh {
        let v = vertices.map { $0 - 2 * plane.distance($0) * plane.normal }
        return TriangleMesh(vertices: v, faces: faces.map { SIMD3($0.x, $0.z, $0.y) })
    }
}
