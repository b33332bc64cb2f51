import Interchange
import Foundation
import Geometry
import LinearAlgebra
import Surface

/// Rigid registration of one mesh onto another: point-to-plane ICP with robust weights.
public enum Registration {
    public struct Options: Sendable {
        /// Vertices of the moving mesh used per iteration (an even subsample).
        public var samples = 20_000
        /// Correspondences farther than this (mm) are ignored in the first iterations; the
        /// limit then shrinks to 3 × the robust residual scale (never below `finalLimit`).
        public var initialLimit = 40.0
        public var finalLimit = 1.0
        public var maximumIterations = 100
        /// Stop when an iteration moves the mesh less than this (mm, at the sample's extent).
        public var tolerance = 1e-6
        public init() {}
    }

    public struct Result: Sendable {
        /// Maps the moving mesh onto the fixed one (x_fixed = transform · x_moving).
        public var transform: RigidTransform
        /// RMS point-to-plane residual of the inliers (mm) and their share of the samples.
        public var rms: Double
        public var inlierFraction: Double
        public var iterations: Int
    }

    /// Registers `moving` onto `fixed`. `region` (in the fixed mesh's frame), when given,
    /// keeps only correspondences whose fixed point it contains: register on what did not
    /// change (a stable region) so that the change itself does not pull the fit.
    /// Without `initial`, the moving mesh's vertex centroid is first moved onto the fixed one's.
    public static func align(_ moving: TriangleMesh, onto fixed: TriangleMesh, initial: RigidTransform? = nil,
                             region: ((SIMD3<Double>) -> Bool)? = nil, options: Options = Options()) throws -> Result {
        let index = NearestVertexIndex(fixed)
        let normals = fixed.normals.map { $0.map { SIMD3<Double>($0) } } ?? { var m = fixed; m.recomputeNormals(); return m.normals!.map { SIMD3<Double>($0) } }()
        let step = max(1, moving.vertices.count / options.samples)
        let sample = stride(from: 0, to: moving.vertices.count, by: step).map { moving.vertices[$0] }
        // While correspondences are sought far (the first iterations), a tenth of the sample.
        let coarse = stride(from: 0, to: sample.count, by: 10).map { sample[$0] }
        func centroid(_ v: [SIMD3<Double>]) -> SIMD3<Double> { v.reduce(.zero, +) / Double(max(v.count, 1)) }
        var transform = initial ?? RigidTransform(rotation: .identity, translation: centroid(fixed.vertices) - centroid(moving.vertices))
        var limit = options.initialLimit
        var rms = 0.0, inliers = 0, used = 1, iterations = 0
        for iteration in 0..<options.maximumIterations {
            iterations = iteration + 1
            // Correspondences: nearest fixed vertex, its normal's plane.
            var rows: [(p: SIMD3<Double>, q: SIMD3<Double>, n: SIMD3<Double>)] = []
            rows.reserveCapacity(sample.count)
            let points = limit > 4 * options.finalLimit ? coarse : sample
            used = max(points.count, 1)
            for x in points {
                let p = transform.apply(x)
                guard let (j, d) = index.nearest(to: p, within: limit) else { continue }
                _ = d
                let q = fixed.vertices[j], n = normals[j]
                if let region, !region(q) { continue }
                rows.append((p, q, n))
            }
            guard rows.count >= 6 else {
                throw RegistrationError(problem: "the meshes do not overlap within \(limit) mm: give a closer starting pose or check that they show the same subject")
            }
            // Robust scale (MAD of plane distances), Tukey weights at 4.685 scale.
            let residuals = rows.map { ($0.p - $0.q) * $0.n }.map { $0.sum() }
            let scale = max(1.4826 * median(residuals.map(abs)), 1e-6)
            let c = 4.685 * scale
            var ata = [Double](repeating: 0, count: 36), atb = [Double](repeating: 0, count: 6)
            var sum = 0.0, count = 0
            for (k, r) in rows.enumerated() {
                let e = residuals[k]
                guard abs(e) < c else { continue }
                let u = 1 - (e / c) * (e / c), w = u * u
                let a = cross(r.p, r.n), row = [a.x, a.y, a.z, r.n.x, r.n.y, r.n.z]
                for i in 0..<6 {
                    atb[i] -= w * row[i] * e
                    for j in 0..<6 { ata[i * 6 + j] += w * row[i] * row[j] }
                }
                sum += e * e; count += 1
            }
            rms = (sum / Double(max(count, 1))).squareRoot(); inliers = count
            guard count >= 6 else { break }
            let x = try Matrix(rows: 6, columns: 6, elements: ata).choleskySolve(Matrix(rows: 6, columns: 1, elements: atb)).elements
            let delta = RigidTransform(rodrigues: SIMD3(x[0], x[1], x[2]), translation: SIMD3(x[3], x[4], x[5]))
            transform = delta * transform
            limit = max(options.finalLimit, min(limit, 3 * scale + 0.5 * limit))
            // Converged: the step moves no sample point by more than the tolerance.
            let extent = sample.reduce(0.0) { max($0, length($1 - sample[0])) }
            if length(SIMD3(x[0], x[1], x[2])) * extent + length(SIMD3(x[3], x[4], x[5])) < options.tolerance { break }
        }
        return Result(transform: transform, rms: rms, inlierFraction: Double(inliers) / Double(used), iterations: iterations)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s[s.count / 2]
    }
}

/// Registration that cannot proceed.
public struct RegistrationError: TrinocularError, Equatable {
    public var fault: Fault { .workFailed }
    public var problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { problem }
}
