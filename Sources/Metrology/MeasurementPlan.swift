import Foundation
import Interchange
import LinearAlgebra
import Surface

/// A list of named measurements between landmarks (`trinocular.plan/1`, docs/formats.md).
public struct MeasurementPlan: Sendable {
    public enum Kind: Sendable {
        /// The unit its value is given in.
        public var unit: String {
            switch self {
            case .distance, .geodesic, .contour: "mm"
            case .area: "mm²"
            case .volume: "mm³"
            }
        }

        /// Straight-line distance between two landmarks.
        case distance(from: String, to: String)
        /// Shortest distance along the surface between two landmarks.
        case geodesic(from: String, to: String)
        /// The length of the mesh's section by the plane through three landmarks, or through
        /// one landmark with a given normal: the curve that passes nearest the first landmark.
        case contour(through: [String], normal: SIMD3<Double>?, between: (String, String)? = nil)
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

    /// Every landmark name the plan uses, in the order the plan first names them (what a
    /// viewer asks the user to place).
    public var landmarkNames: [String] {
        var names: [String] = []
        for item in items {
            let used: [String]
            switch item.kind {
            case let .distance(a, b), let .geodesic(a, b): used = [a, b]
            case let .contour(through, _, between): used = through + (between.map { [$0.0, $0.1] } ?? [])
            case let .area(loop), let .volume(loop, _, _): used = loop
            }
            for n in used where !names.contains(n) { names.append(n) }
        }
        return names
    }

    /// - Throws: `PlanError` naming the file, the measurement and the problem.
    public init(json data: Data, file: String) throws {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch { throw PlanError(file: file, problem: "not JSON (\(error))") }
        guard root["format"]?.string == "trinocular.plan/1" else { throw PlanError(file: file, problem: "\"format\" must be \"trinocular.plan/1\"") }
        guard let list = root["measurements"]?.array, !list.isEmpty else { throw PlanError(file: file, problem: "\"measurements\" must be a non-empty list") }
        var items: [Item] = []
        for (i, entry) in list.enumerated() {
            guard let name = entry["name"]?.string, !name.isEmpty else { throw PlanError(file: file, problem: "measurement \(i + 1) has no \"name\"") }
            guard !items.contains(where: { $0.name == name }) else { throw PlanError(file: file, problem: "measurement '\(name.excerpt())' is given twice") }
            let type = entry["type"]?.string ?? ""
            switch type {
            case "distance", "geodesic":
                guard let from = entry["from"]?.string, let to = entry["to"]?.string else {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())' (\(type.excerpt())) needs \"from\" and \"to\" landmark names")
                }
                items.append(Item(name: name, kind: type == "distance" ? .distance(from: from, to: to) : .geodesic(from: from, to: to)))
            case "contour":
                let through = entry["through"]?.array?.compactMap(\.string) ?? []
                let normal = entry["normal"]?.array?.compactMap(\.number)
                var between: (String, String)?
                if let from = entry["from"]?.string, let to = entry["to"]?.string { between = (from, to) }
                else if entry["from"] != nil || entry["to"] != nil {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())' (contour): \"from\" and \"to\" go together (the piece of the curve between two landmarks)")
                }
                if through.count == 3, normal == nil {
                    items.append(Item(name: name, kind: .contour(through: through, normal: nil, between: between)))
                } else if through.count == 1, let n = normal, n.count == 3, n.contains(where: { $0 != 0 }) {
                    items.append(Item(name: name, kind: .contour(through: through, normal: SIMD3(n[0], n[1], n[2]), between: between)))
                } else {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())' (contour) needs \"through\": three landmark names, or one and a \"normal\": [x, y, z]")
                }
            case "area", "volume":
                let loop = entry["loop"]?.array?.compactMap(\.string) ?? []
                guard loop.count < 2 || loop.first == loop.last else {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())': the loop does not close — it ends at landmark '\(loop.last!.excerpt())', not at its first landmark '\(loop[0].excerpt())' (repeat '\(loop[0].excerpt())' at the end)")
                }
                guard loop.count >= 4, Set(loop).count >= 3 else {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())' (\(type.excerpt())) needs \"loop\": at least three landmark names in order round the region, the first repeated at the end")
                }
                let ring = Array(loop.dropLast())
                if type == "area" { items.append(Item(name: name, kind: .area(loop: ring))); continue }
                let baseName = entry["base"]?.string ?? BaseSurface.Model.quadric.rawValue
                guard let base = BaseSurface.Model(rawValue: baseName) else {
                    throw PlanError(file: file, problem: "measurement '\(name.excerpt())': unknown \"base\" '\(baseName.excerpt())' (quadric or plane)")
                }
                let band = entry["band"]?.number ?? 40
                guard band > 0, band.isFinite else { throw PlanError(file: file, problem: "measurement '\(name.excerpt())': \"band\" must be a positive number of mm") }
                items.append(Item(name: name, kind: .volume(loop: ring, base: base, band: band)))
            default:
                throw PlanError(file: file, problem: "measurement '\(name.excerpt())': unknown \"type\" '\(type.excerpt())' (distance, geodesic, contour, area or volume)")
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
    /// Estimated standard error (same unit as `value`) and how it was estimated.
    public var uncertainty: Double = 0
    public var uncertaintyMethod: String = ""
}

/// What a value's uncertainty is estimated from.
public struct ErrorModel: Sendable {
    /// The surface's error along its normal, mm (default 0.15 mm: the surface repeatability
    /// published for clinical 3D systems, VECTRA XT 0.15 ± 0.15 mm).
    public var surfaceNoise: Double
    /// The calibration's relative scale error (a distance's RMS error over its length;
    /// `calibrate` writes distanceErrorMm over distanceErrorSpanMm in the rig file), or 0
    /// when unknown.
    public var relativeScale: Double
    public init(surfaceNoise: Double = 0.15, relativeScale: Double = 0) {
        self.surfaceNoise = surfaceNoise; self.relativeScale = relativeScale
    }

    /// Combines a scale term (value × power × relative scale) with independent others.
    func combine(_ value: Double, power: Double, _ others: [Double]) -> Double {
        let s = power * relativeScale * abs(value)
        return (s * s + others.reduce(0) { $0 + $1 * $1 }).squareRoot()
    }
    var scaleNote: String {
        relativeScale > 0 ? "calibration scale \(String(format: "%.3f", relativeScale * 100)) %" : "calibration scale error unknown (not counted)"
    }
}

/// A plan that cannot be used as given.
public typealias PlanError = FileProblem

extension MeasurementPlan {
    /// Measures every item on `mesh` with `landmarks`.
    /// - Throws: `PlanError` naming the measurement when a landmark is unknown, three
    ///   landmarks are in line, or no path or curve exists.
    public func measure(_ mesh: TriangleMesh, landmarks: Landmarks, file: String, errors: ErrorModel = ErrorModel(),
                        unseen: [UnseenPatch] = []) throws -> [MeasuredValue] {
        try measureEach(mesh, landmarks: landmarks, file: file, errors: errors, unseen: unseen).map { try $0.result.get() }
    }

    /// Measures each item on its own: a measurement that cannot be made here (a landmark
    /// this mesh could not take, a loop over a hole) is a failure with its reason, and the
    /// others are measured all the same — what a study needs of a capture.
    /// - Parameter unseen: the patches the reconstruction filled (no camera saw them): a
    ///   region volume counts those inside its loop as unseen area, which widens its
    ///   uncertainty, and says so.
    public func measureEach(_ mesh: TriangleMesh, landmarks: Landmarks, file: String, errors: ErrorModel = ErrorModel(),
                            unseen: [UnseenPatch] = [])
        -> [(name: String, unit: String, result: Result<MeasuredValue, PlanError>)] {
        func landmark(_ name: String, in item: Item) throws -> Landmarks.Landmark {
            guard let l = landmarks.landmarks.first(where: { $0.name == name }) else {
                if let missing = landmarks.unplaced.first(where: { $0.name == name }) {
                    throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': \(missing.reason)")
                }
                throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())' names landmark '\(name.excerpt())', which the landmarks file does not have (it has \(Landmarks.list(landmarks.landmarks.map(\.name))))")
            }
            return l
        }
        var regions: [String: SurfaceRegion] = [:]
        func region(_ loop: [String], band: Double, in item: Item) throws -> SurfaceRegion {
            let key = loop.joined(separator: "\u{1}") + "\u{2}\(band)"
            if let r = regions[key] { return r }
            let r: SurfaceRegion
            do { r = try mesh.region(loop: try loop.map { try landmark($0, in: item) }, band: band) }
            catch let e as RegionError { throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': \(e.problem)") }
            regions[key] = r
            return r
        }
        let sn = errors.surfaceNoise
        return items.map { item in
            let result = Result<MeasuredValue, Error> { try measuredWithUncertainty(item) }.mapError { error in
                error as? PlanError ?? PlanError(file: file, problem: "measurement '\(item.name.excerpt())': \(error)")
            }
            return (item.name, item.kind.unit, result)
        }
        func measuredWithUncertainty(_ item: Item) throws -> MeasuredValue {
            var value = try measureOne(item)
            let v = value.value
            switch item.kind {
            case .distance:
                value.uncertainty = errors.combine(v, power: 1, [sn * 2.0.squareRoot()])
                value.uncertaintyMethod = "both ends off by the surface error (\(sn) mm), \(errors.scaleNote)"
            case .geodesic:
                value.uncertainty = errors.combine(v, power: 1, [sn * 2.0.squareRoot(), 0.001 * v])
                value.uncertaintyMethod = "both ends off by the surface error (\(sn) mm), path method within 0.1 %, \(errors.scaleNote)"
            case .contour:
                let turning = value.closed == true ? 2 * Double.pi : 2
                value.uncertainty = errors.combine(v, power: 1, [turning * sn])
                value.uncertaintyMethod = "the curve moved by the surface error (\(sn) mm) changes its length by up to its turning × that, \(errors.scaleNote)"
            case .area:
                let perimeter = value.path.count > 1 ? zip(value.path, value.path.dropFirst()).reduce(0.0) { $0 + length($1.1 - $1.0) } : 0
                value.uncertainty = errors.combine(v, power: 2, [perimeter * sn])
                value.uncertaintyMethod = "the boundary moved by the surface error (\(sn) mm) along its length, \(errors.scaleNote)"
            case .volume:
                break  // measured with its uncertainty (`RegionVolume`)
            }
            return value
        }
        func measureOne(_ item: Item) throws -> MeasuredValue {
            switch item.kind {
            case let .area(loop):
                let r = try region(loop, band: 40, in: item)
                return MeasuredValue(name: item.name, value: r.area, unit: "mm²",
                                     method: "area of the mesh inside the loop of shortest paths (faces cut along it)",
                                     path: r.boundary + [r.boundary[0]], closed: true)
            case let .volume(loop, model, band):
                var r = try region(loop, band: band, in: item)
                let filled = UnseenPatch.inside(r, of: mesh, unseen)
                r.holeArea += filled.area
                let measured: RegionVolume
                do { measured = try RegionVolume(r, model: model, errors: errors) }
                catch let e as RegionError { throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': \(e.problem)") }
                let base = measured.base
                var value = MeasuredValue(name: item.name, value: measured.volume, unit: "mm³",
                                          method: "between the region and a \(model.rawValue) base fitted to \(base.points) vertices within \(Self.number(band)) mm outside the loop, weighted by their distance from it (RMS \(Self.number(base.rms, 3)) mm)" + (r.holesFilled > 0 ? "; \(r.holesFilled) hole(s) inside, \(Self.number(r.holeArea - filled.area, 0)) mm², spanned by membranes" : "")
                                              + (filled.count > 0 ? "; \(filled.count) patch(es) no camera saw inside, \(Self.number(filled.area, 0)) mm², filled in reconstruction" : ""),
                                          path: r.boundary + [r.boundary[0]], closed: true)
                value.uncertainty = measured.uncertainty
                value.uncertaintyMethod = "the surface shifted by its error (\(errors.surfaceNoise) mm) over the region's area (\(Self.number(measured.surfaceTerm, 0)) mm³); the base's spread between distance-weighted and even weights (\(Self.number(measured.baseTerm, 0)) mm³); unseen (membrane-filled) area × mean height / √3 (\(Self.number(measured.unseenTerm, 0)) mm³); \(errors.scaleNote)"
                return value
            case let .distance(from, to):
                let a = try landmark(from, in: item), b = try landmark(to, in: item)
                return MeasuredValue(name: item.name, value: length(b.point - a.point), unit: "mm", method: "straight line between the landmarks", path: [a.point, b.point], closed: nil)
            case let .geodesic(from, to):
                let a = try landmark(from, in: item), b = try landmark(to, in: item)
                guard let path = mesh.geodesic(from: a.point, onFace: a.face, to: b.point, onFace: b.face) else {
                    throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': no path on the surface joins '\(from.excerpt())' and '\(to.excerpt())' (separate pieces of mesh)")
                }
                return MeasuredValue(name: item.name, value: path.length, unit: "mm", method: "shortest path on the mesh (edge-point graph, straightened)", path: path.points, closed: nil)
            case let .contour(through, normal, between):
                let points = try through.map { try landmark($0, in: item).point }
                let plane: Plane
                if let normal {
                    plane = Plane(point: points[0], normal: normal)
                } else {
                    guard let p = Plane(through: points[0], points[1], points[2]) else {
                        throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': landmarks \(Landmarks.list(through)) lie on one line; they define no plane")
                    }
                    plane = p
                }
                let curves = mesh.section(by: plane)
                guard let nearest = curves.min(by: { Self.distance(points[0], $0) < Self.distance(points[0], $1) }) else {
                    throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': the plane does not cut the mesh")
                }
                if let (from, to) = between {
                    let a = try landmark(from, in: item).point, b = try landmark(to, in: item).point
                    guard let curve = curves.first(where: { Self.distance(a, $0) < 3 && Self.distance(b, $0) < 3 }) else {
                        throw PlanError(file: file, problem: "measurement '\(item.name.excerpt())': no one piece of the section passes within 3 mm of both '\(from.excerpt())' and '\(to.excerpt())' (a hole or the mesh's edge lies between them, or they are off the plane)")
                    }
                    let piece = curve.piece(between: a, and: b)
                    return MeasuredValue(name: item.name, value: piece.length, unit: "mm",
                                         method: "length of the mesh's section by the plane between the points nearest '\(from)' and '\(to)'",
                                         path: piece.points, closed: false)
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
