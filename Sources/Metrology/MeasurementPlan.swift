import Foundation
import Interchange
import LinearAlgebra
import Surface

/// A list of named measurements between landmarks (`trinocular.plan/1`, docs/formats.md).
public struct MeasurementPlan: Sendable {
    public enum Kind: Sendable {
        /// Straight-line distance between two landmarks.
        case distance(from: String, to: String)
        /// Shortest distance along the surface between two landmarks.
        case geodesic(from: String, to: String)
        /// The length of the mesh's section by the plane through three landmarks, or through
        /// one landmark with a given normal: the curve that passes nearest the first landmark.
        case contour(through: [String], normal: SIMD3<Double>?)
        /// The area of the region enclosed by a loop of shortest paths through the landmarks
        /// (the list's last name repeats its first: the loop closes).
        case area(loop: [String])
        /// The volume between that region and a base surface fitted to the skin within
        /// `band` mm outside it (`BaseSurface`).
        case volume(loop: [String], base: BaseSurface.Model, band: Double)
    }

    public struct Item: Sendable {
        public var name: String
        public var kind: Kind
    }

    public var items: [Item]

    /// - Throws: `PlanError` naming the file, the measurement and the problem.
    public init(json data: Data, file: String) throws {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch { throw PlanError(file: file, problem: "not JSON (\(error))") }
        guard root["format"]?.string == "trinocular.plan/1" else { throw PlanError(file: file, problem: "\"format\" must be \"trinocular.plan/1\"") }
        guard let list = root["measurements"]?.array, !list.isEmpty else { throw PlanError(file: file, problem: "\"measurements\" must be a non-empty list") }
        var items: [Item] = []
        for (i, entry) in list.enumerated() {
            guard let name = entry["name"]?.string, !name.isEmpty else { throw PlanError(file: file, problem: "measurement \(i + 1) has no \"name\"") }
            guard !items.contains(where: { $0.name == name }) else { throw PlanError(file: file, problem: "measurement '\(name)' is given twice") }
            let type = entry["type"]?.string ?? ""
            switch type {
            case "distance", "geodesic":
                guard let from = entry["from"]?.string, let to = entry["to"]?.string else {
                    throw PlanError(file: file, problem: "measurement '\(name)' (\(type)) needs \"from\" and \"to\" landmark names")
                }
                items.append(Item(name: name, kind: type == "distance" ? .distance(from: from, to: to) : .geodesic(from: from, to: to)))
            case "contour":
                let through = entry["through"]?.array?.compactMap(\.string) ?? []
                let normal = entry["normal"]?.array?.compactMap(\.number)
                if through.count == 3, normal == nil {
                    items.append(Item(name: name, kind: .contour(through: through, normal: nil)))
                } else if through.count == 1, let n = normal, n.count == 3, n.contains(where: { $0 != 0 }) {
                    items.append(Item(name: name, kind: .contour(through: through, normal: SIMD3(n[0], n[1], n[2]))))
                } else {
                    throw PlanError(file: file, problem: "measurement '\(name)' (contour) needs \"through\": three landmark names, or one and a \"normal\": [x, y, z]")
                }
            case "area", "volume":
                let loop = entry["loop"]?.array?.compactMap(\.string) ?? []
                guard loop.count >= 4, Set(loop).count >= 3 else {
                    throw PlanError(file: file, problem: "measurement '\(name)' (\(type)) needs \"loop\": at least three landmark names in order round the region, the first repeated at the end")
                }
                guard loop.first == loop.last else {
                    throw PlanError(file: file, problem: "measurement '\(name)': the loop does not close — it ends at landmark '\(loop.last!)', not at its first landmark '\(loop[0])' (repeat '\(loop[0])' at the end)")
                }
                let ring = Array(loop.dropLast())
                if type == "area" { items.append(Item(name: name, kind: .area(loop: ring))); continue }
                let baseName = entry["base"]?.string ?? BaseSurface.Model.quadric.rawValue
                guard let base = BaseSurface.Model(rawValue: baseName) else {
                    throw PlanError(file: file, problem: "measurement '\(name)': unknown \"base\" '\(baseName)' (quadric or plane)")
                }
                let band = entry["band"]?.number ?? 40
                guard band > 0, band.isFinite else { throw PlanError(file: file, problem: "measurement '\(name)': \"band\" must be a positive number of mm") }
                items.append(Item(name: name, kind: .volume(loop: ring, base: base, band: band)))
            default:
                throw PlanError(file: file, problem: "measurement '\(name)': unknown \"type\" '\(type)' (distance, geodesic, contour, area or volume)")
            }
        }
        self.items = items
    }
}

/// One measured value.
public struct MeasuredValue: Sendable {
    public var name: String
    public var value: Double
    public var unit: String
    public var method: String
    /// The path or curve measured (mm), for display.
    public var path: [SIMD3<Double>]
    /// For contours: whether the curve closes.
    public var closed: Bool?
}

/// A plan that cannot be used as given.
public struct PlanError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String
    public init(file: String, problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}

extension MeasurementPlan {
    /// Measures every item on `mesh` with `landmarks`.
    /// - Throws: `PlanError` naming the measurement when a landmark is unknown, three
    ///   landmarks are in line, or no path or curve exists.
    public func measure(_ mesh: TriangleMesh, landmarks: Landmarks, file: String) throws -> [MeasuredValue] {
        func landmark(_ name: String, in item: Item) throws -> Landmarks.Landmark {
            guard let l = landmarks.landmarks.first(where: { $0.name == name }) else {
                throw PlanError(file: file, problem: "measurement '\(item.name)' names landmark '\(name)', which the landmarks file does not have (it has \(landmarks.landmarks.map(\.name).joined(separator: ", ")))")
            }
            return l
        }
        var regions: [String: SurfaceRegion] = [:]
        var normals: [SIMD3<Double>]?
        func region(_ loop: [String], band: Double, in item: Item) throws -> SurfaceRegion {
            let key = loop.joined(separator: "\u{1}") + "\u{2}\(band)"
            if let r = regions[key] { return r }
            let r: SurfaceRegion
            do { r = try mesh.region(loop: try loop.map { try landmark($0, in: item) }, band: band) }
            catch let e as RegionError { throw PlanError(file: file, problem: "measurement '\(item.name)': \(e.problem)") }
            regions[key] = r
            return r
        }
        return try items.map { item in
            switch item.kind {
            case let .area(loop):
                let r = try region(loop, band: 20, in: item)
                return MeasuredValue(name: item.name, value: r.area, unit: "mm²",
                                     method: "area of the mesh inside the loop of shortest paths (faces cut along it)",
                                     path: r.boundary + [r.boundary[0]], closed: true)
            case let .volume(loop, model, band):
                let r = try region(loop, band: band, in: item)
                if normals == nil {
                    var m = mesh
                    if m.normals == nil { m.recomputeNormals() }
                    normals = m.normals!.map { normalize(SIMD3<Double>($0)) }
                }
                let base: BaseSurface
                do {
                    base = try BaseSurface.fit(points: r.surroundingVertices.map { mesh.vertices[Int($0)] },
                                               normals: r.surroundingVertices.map { normals![Int($0)] }, model: model)
                } catch let e as RegionError { throw PlanError(file: file, problem: "measurement '\(item.name)': \(e.problem)") }
                let v = r.volume(against: base)
                return MeasuredValue(name: item.name, value: v.volume, unit: "mm³",
                                     method: "between the region and a \(model.rawValue) base fitted to \(base.points) vertices within \(Self.number(band)) mm outside the loop (RMS \(Self.number(base.rms, 3)) mm)",
                                     path: r.boundary + [r.boundary[0]], closed: true)
            case let .distance(from, to):
                let a = try landmark(from, in: item), b = try landmark(to, in: item)
                return MeasuredValue(name: item.name, value: length(b.point - a.point), unit: "mm", method: "straight line between the landmarks", path: [a.point, b.point], closed: nil)
            case let .geodesic(from, to):
                let a = try landmark(from, in: item), b = try landmark(to, in: item)
                guard let path = mesh.geodesic(from: a.point, onFace: a.face, to: b.point, onFace: b.face) else {
                    throw PlanError(file: file, problem: "measurement '\(item.name)': no path on the surface joins '\(from)' and '\(to)' (separate pieces of mesh)")
                }
                return MeasuredValue(name: item.name, value: path.length, unit: "mm", method: "shortest path on the mesh (edge-point graph, straightened)", path: path.points, closed: nil)
            case let .contour(through, normal):
                let points = try through.map { try landmark($0, in: item).point }
                let plane: Plane
                if let normal {
                    plane = Plane(point: points[0], normal: normal)
                } else {
                    guard let p = Plane(through: points[0], points[1], points[2]) else {
                        throw PlanError(file: file, problem: "measurement '\(item.name)': landmarks \(through.joined(separator: ", ")) lie on one line; they define no plane")
                    }
                    plane = p
                }
                let curves = mesh.section(by: plane)
                guard let nearest = curves.min(by: { Self.distance(points[0], $0) < Self.distance(points[0], $1) }) else {
                    throw PlanError(file: file, problem: "measurement '\(item.name)': the plane does not cut the mesh")
                }
                return MeasuredValue(name: item.name, value: nearest.length, unit: "mm",
                                   method: "length of the mesh's section by the plane, the curve nearest '\(through[0])'",
                                   path: nearest.points, closed: nearest.isClosed)
            }
        }
    }

    static func number(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    static func distance(_ x: SIMD3<Double>, _ curve: SectionCurve) -> Double {
        curve.points.reduce(Double.infinity) { min($0, length($1 - x)) }
    }
}
