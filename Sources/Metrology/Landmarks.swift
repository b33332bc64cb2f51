import Foundation
import Geometry
import Interchange
import LinearAlgebra
import Surface

/// Named points on a mesh (mm, the mesh's frame), read from a landmarks file
/// (`trinocular.landmarks/1`, docs/formats.md): each either a 3D point, moved to the
/// nearest point of the mesh, or a pick in a camera image, cast along the camera's ray onto
/// the first surface it meets.
public struct Landmarks: Sendable {
    public struct Landmark: Sendable {
        public var name: String
        /// On the mesh (mm).
        public var point: SIMD3<Double>
        /// The face it lies on.
        public var face: Int
        /// How far the given point was from the mesh (mm; 0 for picks).
        public var snapDistance: Double
        /// "point" or "pick <camera>".
        public var source: String

        /// A landmark at the point of `mesh` nearest `point` (mm).
        public init(name: String, nearest point: SIMD3<Double>, on mesh: TriangleMesh) {
            let hit = mesh.closestPoint(to: point)
            self.init(name: name, point: hit.point, face: hit.face, snapDistance: hit.distance, source: "point")
        }

        init(name: String, point: SIMD3<Double>, face: Int, snapDistance: Double, source: String) {
            self.name = name; self.point = point; self.face = face; self.snapDistance = snapDistance; self.source = source
        }
    }

    public var landmarks: [Landmark]
    /// Landmarks the file gives but this mesh could not take (with `keepingUnplaced`): each
    /// name and why — over a hole, off the mesh, a pick whose ray misses it.
    public var unplaced: [(name: String, reason: String)] = []

    /// The landmark called `name`. - Throws: `LandmarkError` saying why it was not placed,
    /// or listing the names there are.
    public func named(_ name: String, file: String) throws -> Landmark {
        guard let l = landmarks.first(where: { $0.name == name }) else {
            if let missing = unplaced.first(where: { $0.name == name }) { throw LandmarkError(file: file, problem: missing.reason) }
            throw LandmarkError(file: file, problem: "no landmark named '\(name.excerpt())' (there are: \(Landmarks.list(landmarks.map(\.name))))")
        }
        return l
    }

    /// Points farther than this from the mesh (mm) are refused: they are not on this surface.
    public static let maximumSnapDistance = 3.0

    /// Reads and places the landmarks of `data` (from `file`) on `mesh`; `rig` is needed
    /// for camera picks. With `keepingUnplaced`, a landmark this mesh cannot take (more than
    /// `maximumSnapDistance` off it, or picked where the ray misses it) goes to `unplaced`
    /// instead of failing the file: in a study, measurements that need it are then missing,
    /// not the whole capture.
    /// - Throws: `LandmarkError` naming the file, the landmark and the problem.
    /// Names for an error message: the first ten, each cut to a short excerpt.
    static func list(_ names: [String]) -> String {
        names.prefix(10).map { $0.excerpt(24) }.joined(separator: ", ") + (names.count > 10 ? ", … (\(names.count) in all)" : "")
    }

    public init(json data: Data, file: String, mesh: TriangleMesh, rig: Rig?, keepingUnplaced: Bool = false) throws {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch { throw LandmarkError(file: file, problem: "not JSON (\(error))") }
        guard root["format"]?.string == "trinocular.landmarks/1" else {
            throw LandmarkError(file: file, problem: "\"format\" must be \"trinocular.landmarks/1\"")
        }
        guard let list = root["landmarks"]?.array, !list.isEmpty else { throw LandmarkError(file: file, problem: "\"landmarks\" must be a non-empty list") }
        guard !mesh.faces.isEmpty else { throw LandmarkError(file: file, problem: "the mesh has no faces to put landmarks on") }
        var out: [Landmark] = [], unplaced: [(name: String, reason: String)] = []
        for (i, entry) in list.enumerated() {
            guard let name = entry["name"]?.string, !name.isEmpty else { throw LandmarkError(file: file, problem: "landmark \(i + 1) has no \"name\"") }
            guard !out.contains(where: { $0.name == name }), !unplaced.contains(where: { $0.name == name }) else { throw LandmarkError(file: file, problem: "landmark '\(name.excerpt())' is given twice") }
            if let p = entry["point"]?.array?.compactMap(\.number), p.count == 3, p.allSatisfy(\.isFinite) {
                let (q, face, d) = mesh.closestPoint(to: SIMD3(p[0], p[1], p[2]))
                guard d <= Self.maximumSnapDistance else {
                    let reason = String(format: "landmark '%@' is %.1f mm off the mesh (at most %.0f mm): is it in the mesh's frame and units (mm), or over a hole?",
                                        name.excerpt(), d, Self.maximumSnapDistance)
                    if keepingUnplaced { unplaced.append((name, reason)); continue }
                    throw LandmarkError(file: file, problem: reason)
                }
                out.append(Landmark(name: name, point: q, face: face, snapDistance: d, source: "point"))
            } else if let cameraID = entry["camera"]?.string, let px = entry["pixel"]?.array?.compactMap(\.number), px.count == 2 {
                guard let rig else { throw LandmarkError(file: file, problem: "landmark '\(name.excerpt())' is a pick in camera '\(cameraID.excerpt())': give the rig (--rig)") }
                guard let camera = rig.cameras.first(where: { $0.id == cameraID }) else {
                    throw LandmarkError(file: file, problem: "landmark '\(name.excerpt())': the rig has no camera '\(cameraID.excerpt())' (it has \(Landmarks.list(rig.cameras.map(\.id))))")
                }
                let pixel = SIMD2(px[0], px[1])
                guard pixel.x >= -0.5, pixel.y >= -0.5, pixel.x <= Double(camera.camera.imageWidth) - 0.5, pixel.y <= Double(camera.camera.imageHeight) - 0.5,
                      let ray = camera.camera.ray(throughPixel: pixel) else {
                    throw LandmarkError(file: file, problem: "landmark '\(name.excerpt())': pixel (\(px[0]), \(px[1])) is outside camera '\(cameraID.excerpt())''s image")
                }
                let origin = camera.centre, direction = camera.camFromWorld.rotation.inverse.apply(ray)
                guard let hit = mesh.firstHit(origin: origin, direction: direction) else {
                    let reason = "landmark '\(name.excerpt())': the ray through pixel (\(px[0]), \(px[1])) of camera '\(cameraID.excerpt())' misses the mesh"
                    if keepingUnplaced { unplaced.append((name, reason)); continue }
                    throw LandmarkError(file: file, problem: reason)
                }
                out.append(Landmark(name: name, point: hit.point, face: hit.face, snapDistance: 0, source: "pick \(cameraID)"))
            } else {
                throw LandmarkError(file: file, problem: "landmark '\(name.excerpt())' needs \"point\": [x, y, z] (mm) or \"camera\" and \"pixel\": [u, v]")
            }
        }
        landmarks = out
        self.unplaced = unplaced
    }
}

/// A landmarks file that cannot be used, or a landmark that is not on the mesh.
public typealias LandmarkError = FileProblem

extension TriangleMesh {
    /// The point of the mesh nearest to `x`, its face and the distance (mm), by checking
    /// every face (landmarks are few; exact beats an approximate index here).
    public func closestPoint(to x: SIMD3<Double>) -> (point: SIMD3<Double>, face: Int, distance: Double) {
        var best = (point: SIMD3<Double>.zero, face: -1, distance: Double.infinity)
        for (i, f) in faces.enumerated() {
            let q = Self.closestPointOnTriangle(x, vertices[Int(f.x)], vertices[Int(f.y)], vertices[Int(f.z)])
            let d = length(q - x)
            if d < best.distance { best = (q, i, d) }
        }
        return best
    }

    /// The first point where the ray origin + t·direction (t > 0) meets a face
    /// (Möller–Trumbore, both sides), nil if it meets none.
    public func firstHit(origin: SIMD3<Double>, direction: SIMD3<Double>) -> (point: SIMD3<Double>, face: Int, distance: Double)? {
        var best: (point: SIMD3<Double>, face: Int, distance: Double)?
        let d = normalize(direction)
        for (i, f) in faces.enumerated() {
            let a = vertices[Int(f.x)], e1 = vertices[Int(f.y)] - a, e2 = vertices[Int(f.z)] - a
            let p = cross(d, e2), det = dot(e1, p)
            guard abs(det) > 1e-14 * dot(e1, e1) else { continue }
            let s = origin - a, u = dot(s, p) / det
            guard u >= 0, u <= 1 else { continue }
            let q = cross(s, e1), v = dot(d, q) / det
            guard v >= 0, u + v <= 1 else { continue }
            let t = dot(e2, q) / det
            if t > 0, t < (best?.distance ?? .infinity) { best = (origin + t * d, i, t) }
        }
        return best
    }

    /// Closest point of triangle abc to p (Ericson, Real-Time Collision Detection 5.1.5).
    static func closestPointOnTriangle(_ p: SIMD3<Double>, _ a: SIMD3<Double>, _ b: SIMD3<Double>, _ c: SIMD3<Double>) -> SIMD3<Double> {
        let ab = b - a, ac = c - a, ap = p - a
        let d1 = dot(ab, ap), d2 = dot(ac, ap)
        if d1 <= 0 && d2 <= 0 { return a }
        let bp = p - b, d3 = dot(ab, bp), d4 = dot(ac, bp)
        if d3 >= 0 && d4 <= d3 { return b }
        let vc = d1 * d4 - d3 * d2
        if vc <= 0 && d1 >= 0 && d3 <= 0 { return a + d1 / (d1 - d3) * ab }
        let cp = p - c, d5 = dot(ab, cp), d6 = dot(ac, cp)
        if d6 >= 0 && d5 <= d6 { return c }
        let vb = d5 * d2 - d1 * d6
        if vb <= 0 && d2 >= 0 && d6 <= 0 { return a + d2 / (d2 - d6) * ac }
        let va = d3 * d6 - d5 * d4
        if va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0 { return b + (d4 - d3) / ((d4 - d3) + (d5 - d6)) * (c - b) }
        let denominator = 1 / (va + vb + vc)
        return a + ab * (vb * denominator) + ac * (vc * denominator)
    }
}
