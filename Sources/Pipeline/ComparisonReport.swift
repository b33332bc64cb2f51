import Foundation
import Interchange
import LinearAlgebra
import Metrology

/// What `compare` tells: `comparison.json` (`trinocular.comparison/1`, docs/formats.md,
/// "Comparison"), read back by `report` and the viewer. Lengths in mm, volumes mm³.
public struct ComparisonReport: Codable, Sendable {
    /// The rigid motion that put the post mesh on the pre one: x_pre = R x_post + t.
    public struct Motion: Codable, Sendable {
        public var R: [Double]
        public var tMm: [Double]
        public var rotationDeg: Double
        public var translationMm: Double
        public var rmsMm: Double
        public var inlierFraction: Double
        public var iterations: Int
        public var note: String
    }

    /// Signed distances of the registered post surface from the pre one.
    public struct Distance: Codable, Sendable {
        public var rmsMm: Double
        public var medianAbsMm: Double
        public var p95AbsMm: Double
        public var maxOutMm: Double
        public var maxInMm: Double
        public var overlap: Double
        public var uncertaintyMm: Double
    }

    public struct RegionChange: Codable, Sendable {
        public var name: String
        public var areaMm2: Double
        public var beforeMm3: Double
        public var afterMm3: Double
        public var changeMm3: Double
        public var changePercent: Double
        public var uncertaintyMm3: Double
        public var method: String
    }

    public struct Peak: Codable, Sendable {
        public var pointMm: [Double]
        public var mm: Double
    }

    public struct Symmetry: Codable, Sendable {
        public var planePointMm: [Double]
        public var planeNormal: [Double]
        public var rmsAsymmetryMm: Double
        public var overlap: Double
        public var peakOut: Peak
        public var peakIn: Peak
        public var uncertaintyMm: Double
        public var method: String
    }

    public var format = "trinocular.comparison/1"
    public var units = "mm"
    public var tool = "Trinocular \(TrinocularVersion.string)"
    /// "pre-post" or "mirror".
    public var kind: String
    /// Where the heat maps' and distance.ply's colours saturate (mm).
    public var colourRangeMm: Double?
    public var registration: Motion?
    public var distance: Distance?
    public var regions: [RegionChange]?
    public var symmetry: Symmetry?

    /// A pre/post comparison; `surfaceNoise` (mm) as given to the comparison.
    public init(_ c: MeshComparison, surfaceNoise: Double, colourRange: Double) {
        kind = "pre-post"
        colourRangeMm = colourRange
        let t = c.registration.transform, r = t.rotation.matrix
        registration = Motion(R: r.rowMajor, tMm: [t.translation.x, t.translation.y, t.translation.z],
                              rotationDeg: t.rotation.angle * 180 / .pi, translationMm: length(t.translation),
                              rmsMm: c.registration.rms, inlierFraction: c.registration.inlierFraction, iterations: c.registration.iterations,
                              note: "x_pre = R x_post + t; point-to-plane ICP with Tukey weights, regions left out")
        let finite = c.distances.filter(\.isFinite), sortedAbs = finite.map(abs).sorted()
        func quantile(_ q: Double) -> Double { sortedAbs.isEmpty ? 0 : sortedAbs[min(sortedAbs.count - 1, Int(q * Double(sortedAbs.count)))] }
        distance = Distance(rmsMm: (finite.reduce(0) { $0 + $1 * $1 } / Double(max(finite.count, 1))).squareRoot(),
                            medianAbsMm: quantile(0.5), p95AbsMm: quantile(0.95), maxOutMm: finite.max() ?? 0, maxInMm: finite.min() ?? 0,
                            overlap: Double(finite.count) / Double(max(c.distances.count, 1)), uncertaintyMm: surfaceNoise * 2.0.squareRoot())
        regions = c.regions.map { g in
            RegionChange(name: g.name, areaMm2: g.area, beforeMm3: g.before, afterMm3: g.after, changeMm3: g.change,
                         changePercent: g.before != 0 ? 100 * g.change / g.before : 0, uncertaintyMm3: g.uncertainty,
                         method: String(format: "volume on each mesh inside the loop against one %@ base fitted to %d pre vertices round it (RMS %.3f mm); uncertainty: each surface shifted by %@ mm over the region, independently; unseen (membrane-filled) area counted at twice that",
                                        g.base.model.rawValue, g.base.points, g.base.rms, "\(surfaceNoise)"))
        }
    }

    /// A mesh compared with its mirror image.
    public init(_ s: MirrorSymmetry, surfaceNoise: Double, colourRange: Double) {
        kind = "mirror"
        colourRangeMm = colourRange
        func xyz(_ v: SIMD3<Double>) -> [Double] { [v.x, v.y, v.z] }
        symmetry = Symmetry(planePointMm: xyz(s.plane.point), planeNormal: xyz(s.plane.normal), rmsAsymmetryMm: s.rms, overlap: s.overlap,
                            peakOut: Peak(pointMm: xyz(s.peakOut.point), mm: s.peakOut.value), peakIn: Peak(pointMm: xyz(s.peakIn.point), mm: s.peakIn.value),
                            uncertaintyMm: surfaceNoise * 2.0.squareRoot(),
                            method: "the mesh reflected about the plane normal to each principal axis through its centroid, registered onto itself (point-to-plane ICP, Tukey weights); the axis with the best fit wins; asymmetry = signed distance of each vertex's mirror image from the surface (positive: this side stands out)")
    }
}
