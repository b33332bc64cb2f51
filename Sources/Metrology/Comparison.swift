import Foundation
import Geometry
import LinearAlgebra
import Parallelism
import Surface

extension TriangleMesh {
    /// Signed distance (mm) from each point to this mesh: to the nearest point of the faces
    /// round the point's nearest vertex, positive on the side the faces face (outside).
    /// NaN where no vertex lies within `within` mm (the meshes do not overlap there).
    public func signedDistances(to points: [SIMD3<Double>], within: Double = 10) -> [Double] {
        let index = NearestVertexIndex(self)
        var incident = [[Int32]](repeating: [], count: vertices.count)
        for (i, f) in faces.enumerated() { for v in [f.x, f.y, f.z] { incident[Int(v)].append(Int32(i)) } }
        let facesOf = incident
        var out = [Double](repeating: .nan, count: points.count)
        let chunk = 4096, chunks = (points.count + chunk - 1) / chunk
        out.withUnsafeMutableBufferPointer { result in
            let result = UnsafeMutableSendableBuffer(result)
            Parallel.perform(iterations: chunks) { c in
                for k in (c * chunk)..<min(points.count, (c + 1) * chunk) {
                    let x = points[k]
                    guard let (j, _) = index.nearest(to: x, within: within) else { continue }
                    var best = (distance: Double.infinity, signed: Double.nan)
                    for fi in facesOf[j] {
                        let f = faces[Int(fi)]
                        let a = vertices[Int(f.x)], b = vertices[Int(f.y)], cc = vertices[Int(f.z)]
                        let q = Self.closestPointOnTriangle(x, a, b, cc), d = length(x - q)
                        if d < best.distance {
                            let n = cross(b - a, cc - a)
                            best = (d, dot(x - q, n) >= 0 ? d : -d)
                        }
                    }
                    result[k] = best.signed
                }
            }
        }
        return out
    }
}

/// A mutable buffer handed to concurrent workers that write disjoint elements.
struct UnsafeMutableSendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
    subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Two captures of one subject compared: the second registered onto the first, the surface
/// change at every vertex, and the volume change inside regions.
public struct MeshComparison: Sendable {
    /// A region's volume before and after, against one base (fitted round the region on the
    /// first mesh), so the base cancels out of the change.
    public struct RegionChange: Sendable {
        public var name: String
        public var area: Double
        public var before: Double
        public var after: Double
        public var change: Double { after - before }
        /// Estimated standard error of `change` (mm³) and how it was estimated.
        public var uncertainty: Double
        public var base: BaseSurface
    }

    public var registration: Registration.Result
    /// The second mesh moved into the first's frame.
    public var registered: TriangleMesh
    /// Signed distance (mm) of each registered vertex from the first mesh (NaN: no overlap).
    public var distances: [Double]
    public var regions: [RegionChange]

    /// Compares `after` with `before`.
    /// - Parameters:
    ///   - regions: named landmark loops placed on `before`; the registration leaves them out
    ///     (they are where change is expected), except those named in `unchanged`, which
    ///     stay in as controls (needed when the rest is featureless — a plain cylinder
    ///     does not fix a turn about its axis).
    ///   - surfaceNoise: the per-capture surface error (mm) used in the uncertainties.
    /// - Throws: `RegistrationError` or `RegionError`.
    public static func compare(before: TriangleMesh, after: TriangleMesh,
                               regions loops: [(name: String, loop: [Landmarks.Landmark])] = [], unchanged: Set<String> = [],
                               base model: BaseSurface.Model = .quadric, band: Double = 40, surfaceNoise: Double = 0.15,
                               options: Registration.Options = Registration.Options()) throws -> MeshComparison {
        let regions = try loops.map { try before.region(loop: $0.loop, band: band) }
        // Register on everything outside the regions.
        var changing = Set<SIMD3<Double>>()
        for (k, r) in regions.enumerated() where !unchanged.contains(loops[k].name) {
            for p in r.pieces { for x in p.points { changing.insert(x) } }
        }
        let registration = try Registration.align(after, onto: before, region: changing.isEmpty ? nil : { !changing.contains($0) }, options: options)
        var registered = after
        registered.vertices = after.vertices.map { registration.transform.apply($0) }
        registered.normals = nil
        let distances = before.signedDistances(to: registered.vertices)
        var changes: [RegionChange] = []
        for (k, r) in regions.enumerated() {
            let base = try BaseSurface.fit(points: r.surroundingPoints, normals: r.surroundingNormals,
                                           distances: r.surroundingDistances, model: model)
            // The same loop on the second mesh: its landmarks moved onto the registered surface.
            let moved = loops[k].loop.map { Landmarks.Landmark(name: $0.name, nearest: $0.point, on: registered) }
            let r2 = try registered.region(loop: moved, band: band)
            let v1 = r.volume(against: base).volume, v2 = r2.volume(against: base).volume
            // Each capture's surface error shifts the region by ~surfaceNoise over its area
            // (independent between captures); unseen (hole) area counts double.
            let a1 = r.area + r.holeArea, a2 = r2.area + r2.holeArea
            let sigma = surfaceNoise * (a1 * a1 + a2 * a2 + 4 * (r.holeArea * r.holeArea + r2.holeArea * r2.holeArea)).squareRoot()
            changes.append(RegionChange(name: loops[k].name, area: r.area, before: v1, after: v2, uncertainty: sigma, base: base))
        }
        return MeshComparison(registration: registration, registered: registered, distances: distances, regions: changes)
    }
}
