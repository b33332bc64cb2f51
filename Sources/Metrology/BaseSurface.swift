import Foundation
import LinearAlgebra
import Surface

/// The surface under a region — a reconstructed chest wall: a quadric (or a plane) fitted to
/// the skin round the region, continued beneath it.
///
/// A quadric q(x) = xᵀAx + bᵀx + d = 0 holds planes, spheres, cylinders and ellipsoids
/// exactly, so a torso's curvature under a breast is carried across the region instead of
/// being flattened. (A membrane stretched over the loop cannot do that: over a 146 mm loop
/// on a 150 mm torso it sits ~18 mm above the chest wall at the middle — half a breast's
/// volume.) The fit: least squares on q = 0 at the surrounding vertices and ∇q = n (their unit
/// normals, which fixes the scale so that q is close to a signed distance in mm), with Tukey
/// weights on a robust scale so that a neighbouring breast or a fold is left out.
///
/// The skin just outside a loop is seldom chest wall yet: a breast's tail still stands there
/// and slopes down across the band (a Gaussian mound at 3σ: 1 % of its height), and a
/// neighbouring breast's tail may never come down at all. A quadric fitted evenly to that band
/// carries the slope inward as a dome under the region. So points weigh by their distance from
/// the loop — (d / farthest)², at least 2 % — and points above the base (the skin's outside)
/// are cut at 2.5 robust σ where points below it are cut at 4.685σ: the base follows the
/// band's outer, lower skin. Measured on exact torsos (`ChestWallBaseTests`, loops of 24
/// landmarks, band 40 mm): volume errors at 3σ −2.4 … −3.6 % → −0.6 … −1.0 % noise-free and
/// −1.0 … −1.5 % with 0.15 mm of noise on the band; at 4σ −0.2 % → +0.2 … +0.6 %; at 2.5σ −8.2 % → −2.8 … −3.3 %.
public struct BaseSurface: Sendable {
    public enum Model: String, Sendable, CaseIterable {
        /// A general quadric (10 coefficients).
        case quadric
        /// A plane.
        case plane
    }

    public var model: Model
    /// Coordinates are (x − origin) / scale for conditioning.
    var origin: SIMD3<Double>
    var scale: Double
    var a: Matrix3x3
    var b: SIMD3<Double>
    var d: Double
    /// RMS distance (mm) of the fitted vertices that kept weight, and how many there were.
    public var rms: Double
    public var points: Int

    /// Approximately the signed distance (mm) of `x` from the base, positive on the side its
    /// normals face (the skin's outside).
    public func value(_ x: SIMD3<Double>) -> Double {
        let u = (x - origin) / scale
        return scale * (dot(u, a * u) + dot(b, u) + d)
    }

    /// The point of the base nearest `x` (Newton steps along the gradient), mm.
    public func project(_ x: SIMD3<Double>) -> SIMD3<Double> {
        var u = (x - origin) / scale
        for _ in 0..<30 {
            let q = dot(u, a * u) + dot(b, u) + d, g = 2 * (a * u) + b
            let g2 = dot(g, g)
            guard g2 > 1e-30 else { break }
            let step = q / g2 * g
            u -= step
            if length(step) * scale < 1e-10 { break }
        }
        return origin + scale * u
    }

    /// Fits the base to `points` (mm) with unit `normals` facing the skin's outside. With
    /// their `distances` (mm) from the region's loop, toward the chest wall (see the type's
    /// notes); without, every point weighs the same and the robust cut is symmetric.
    /// - Throws: `RegionError` when there are too few points or they fix no surface.
    public static func fit(points: [SIMD3<Double>], normals: [SIMD3<Double>], distances: [Double]? = nil, model: Model) throws -> BaseSurface {
        let unknowns = model == .quadric ? 10 : 4
        guard points.count >= 3 * unknowns else {
            throw RegionError(problem: "too little skin round the region to fit its base (\(points.count) vertices; the region reaches the mesh's edge or the band is too narrow)")
        }
        let origin = points.reduce(.zero, +) / Double(points.count)
        var scale = 0.0
        for p in points { scale += dot(p - origin, p - origin) }
        scale = max((scale / Double(points.count)).squareRoot(), 1e-6)
        let u = points.map { ($0 - origin) / scale }
        // Unknowns: [axx ayy azz axy axz ayz bx by bz d] (quadric) or [bx by bz d] (plane).
        func valueRow(_ x: SIMD3<Double>) -> [Double] {
            model == .quadric
                ? [x.x * x.x, x.y * x.y, x.z * x.z, 2 * x.x * x.y, 2 * x.x * x.z, 2 * x.y * x.z, x.x, x.y, x.z, 1]
                : [x.x, x.y, x.z, 1]
        }
        func gradientRows(_ x: SIMD3<Double>) -> [[Double]] {
            model == .quadric
                ? [[2 * x.x, 0, 0, 2 * x.y, 2 * x.z, 0, 1, 0, 0, 0],
                   [0, 2 * x.y, 0, 2 * x.x, 0, 2 * x.z, 0, 1, 0, 0],
                   [0, 0, 2 * x.z, 0, 2 * x.x, 2 * x.y, 0, 0, 1, 0]]
                : [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
        }
        // The normals only fix the scale and steady the shape; the positions rule.
        let normalWeight = 0.05
        let prior = Self.prior(distances, count: points.count)
        var weights = prior
        var base = BaseSurface(model: model, origin: origin, scale: scale, a: .diagonal(.zero), b: .zero, d: 0, rms: 0, points: 0)
        for _ in 0..<15 {
            var ata = [Double](repeating: 0, count: unknowns * unknowns), atb = [Double](repeating: 0, count: unknowns)
            func add(_ row: [Double], _ rhs: Double, _ w: Double) {
                for r in 0..<unknowns where row[r] != 0 {
                    atb[r] += w * row[r] * rhs
                    for c in 0..<unknowns { ata[r * unknowns + c] += w * row[r] * row[c] }
                }
            }
            for (k, x) in u.enumerated() where weights[k] > 0 {
                add(valueRow(x), 0, weights[k])
                let g = gradientRows(x), n = normals[k]
                for j in 0..<3 { add(g[j], n[j], weights[k] * normalWeight * normalWeight) }
            }
            let c: [Double]
            do { c = try Matrix(rows: unknowns, columns: unknowns, elements: ata).solve(Matrix(rows: unknowns, columns: 1, elements: atb)).column(0) }
            catch { throw RegionError(problem: "the skin round the region fixes no \(model.rawValue) base (a degenerate fit)") }
            if model == .quadric {
                base.a = Matrix3x3(rows: SIMD3(c[0], c[3], c[4]), SIMD3(c[3], c[1], c[5]), SIMD3(c[4], c[5], c[2]))
                base.b = SIMD3(c[6], c[7], c[8]); base.d = c[9]
            } else {
                base.b = SIMD3(c[0], c[1], c[2]); base.d = c[3]
            }
            // Robust weights from the distances (mm): tighter above the base than below.
            let residuals = points.map { base.value($0) }
            var sorted = residuals.map(abs); sorted.sort()
            let sigma = max(1.4826 * sorted[sorted.count / 2], 0.01)
            var total = 0.0, kept = 0
            for (k, r) in residuals.enumerated() {
                let t = r / ((r > 0 && distances != nil ? 2.5 : 4.685) * sigma)
                weights[k] = abs(t) < 1 ? (1 - t * t) * (1 - t * t) * prior[k] : 0
                if weights[k] > 0 { total += r * r; kept += 1 }
            }
            base.rms = (total / Double(max(kept, 1))).squareRoot(); base.points = kept
        }
        return base
    }

    /// Each point's weight before the robust ones: (d / farthest d)², at least 0.02, from
    /// its distance to the loop; 1 when the distances are not known.
    static func prior(_ distances: [Double]?, count: Int) -> [Double] {
        guard let distances, distances.count == count, let farthest = distances.max(), farthest > 0 else {
            return [Double](repeating: 1, count: count)
        }
        return distances.map { max(0.02, ($0 / farthest) * ($0 / farthest)) }
    }
}

extension SurfaceRegion {
    /// The volume (mm³) between the region and `base`: the solid bounded by the region, its
    /// projection onto the base and the walls between the loop and the loop's projection.
    /// Positive where the surface stands outside the base (a mound), negative where it
    /// lies inside (a hollow).
    public func volume(against base: BaseSurface) -> (volume: Double, baseArea: Double) {
        let c = boundary.reduce(.zero, +) / Double(max(boundary.count, 1))
        func det(_ p: SIMD3<Double>, _ q: SIMD3<Double>, _ r: SIMD3<Double>) -> Double { dot(p - c, cross(q - c, r - c)) }
        var six = 0.0, baseArea = 0.0
        for piece in pieces {
            let p = piece.points, b = p.map(base.project)
            for k in 1..<(p.count - 1) {
                six += det(p[0], p[k], p[k + 1]) - det(b[0], b[k], b[k + 1])
            }
            baseArea += length(TriangleMesh.vectorArea(b))
            for k in p.indices where piece.onLoop[k] {
                let s = p[k], e = p[(k + 1) % p.count], s1 = b[k], e1 = b[(k + 1) % p.count]
                six += det(e, s, s1) + det(e, s1, e1)
            }
        }
        return (six / 6, baseArea)
    }
}

/// A region's volume against its chest-wall base, with the standard uncertainty (mm³) of
/// each source: the calibration's scale, the surface's error over the region, the base's
/// own (how much the volume moves against a plain robust fit of the same model to the same
/// band, every point weighing the same: small where the band is chest wall, large where a
/// breast's tail or a neighbour stands in it), and the unseen, membrane-filled area.
public struct RegionVolume: Sendable {
    public var volume: Double
    public var base: BaseSurface
    /// Standard uncertainties (mm³): surface error × area, the base's spread, the unseen area
    /// (its area × the region's mean height V/A over √3: a membrane anywhere between the base
    /// and that height), and the combination with the calibration's scale (3 × s × V).
    public var surfaceTerm: Double
    public var baseTerm: Double
    public var unseenTerm: Double
    public var uncertainty: Double

    /// - Throws: `RegionError` when the skin round the region fixes no base.
    public init(_ region: SurfaceRegion, model: BaseSurface.Model, errors: ErrorModel) throws {
        base = try BaseSurface.fit(points: region.surroundingPoints, normals: region.surroundingNormals,
                                   distances: region.surroundingDistances, model: model)
        volume = region.volume(against: base).volume
        let even = try BaseSurface.fit(points: region.surroundingPoints, normals: region.surroundingNormals, model: model)
        baseTerm = abs(volume - region.volume(against: even).volume)
        surfaceTerm = region.area * errors.surfaceNoise
        let meanHeight = region.area > 0 ? abs(volume) / region.area : 0
        unseenTerm = region.holeArea * meanHeight / 3.0.squareRoot()
        uncertainty = errors.combine(volume, power: 3, [surfaceTerm, baseTerm, unseenTerm])
    }
}
