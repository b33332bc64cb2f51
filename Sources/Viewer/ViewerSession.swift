import Foundation
import Geometry
import Interchange
import Metrology
import Rendering
import LinearAlgebra
import Surface

/// What `trinocular view` shows and does, apart from HTTP: the meshes laid out for the
/// page, the views it can start from, landmarks cast onto the mesh where the user clicks
/// (`TriangleMesh.firstHit`, the code `measure` casts camera picks with), the plan measured
/// between them, and the landmarks saved.
///
/// Frames and units: everything in mm in the mesh's frame; view cameras follow OpenCV
/// (x right, y down, z forward; x_cam = R x_world + t).
public final class ViewerSession: Sendable {
    /// What the page loads first (`GET /api/scene`).
    public struct Scene: Codable, Sendable {
        public struct MeshEntry: Codable, Sendable {
            /// "surface", or a comparison's "distance" / "asymmetry".
            public var name: String
            public var vertexCount: Int
            public var indexCount: Int
            public var groups: [DisplayMesh.Group]
            /// For coloured comparisons: the distance (mm) at which the colours saturate.
            public var rangeMm: Double?
        }
        /// A camera the page can look through: intrinsics for a `width` × `height` image.
        public struct View: Codable, Sendable {
            public var name: String
            public var fx: Double, fy: Double, cx: Double, cy: Double
            public var width: Int, height: Int
            /// Row-major rotation and translation, x_cam = R x_world + t (mm).
            public var R: [Double], t: [Double]
        }
        public var meshes: [MeshEntry]
        /// The texture images' names (served by index).
        public var textures: [String]
        public var views: [View]
        public var centreMm: [Double]
        public var radiusMm: Double
        public var landmarks: [NamedPoint]
        /// The names a plan asks for, in its order.
        public var landmarkNames: [String]
        public var measurements: [Measured]
        /// Where Save writes (the file's name only).
        public var landmarksFile: String
    }

    public struct NamedPoint: Codable, Sendable, Equatable {
        public var name: String
        public var point: [Double]
        public init(name: String, point: [Double]) { self.name = name; self.point = point }
    }

    public struct PickRequest: Codable, Sendable {
        public var origin: [Double]
        public var direction: [Double]
    }

    public struct PickResponse: Codable, Sendable {
        public var hit: Bool
        public var point: [Double]?
        public var distanceMm: Double?
    }

    /// One measurement of the plan: its value ± standard error, and the path to draw.
    public struct Measured: Codable, Sendable {
        public var name: String
        public var unit: String
        public var value: Double?
        public var uncertainty: Double?
        public var path: [[Double]]
        public var closed: Bool
        /// Why it could not be measured (a landmark not yet placed, …).
        public var problem: String?
    }

    public struct SaveRequest: Codable, Sendable {
        public var landmarks: [NamedPoint]
    }

    public struct SaveResponse: Codable, Sendable {
        public var file: String
        public var count: Int
    }

    /// Where the session's inputs come from.
    public struct Inputs: Sendable {
        public var mesh: TriangleMesh
        public var atlas: TextureAtlas?
        /// The texture images as their files' bytes, one per atlas material.
        public var textureFiles: [(name: String, bytes: Data)] = []
        /// Comparisons to show: name ("distance" / "asymmetry"), the coloured mesh, its range.
        public var comparisons: [(name: String, mesh: TriangleMesh, range: Double)] = []
        public var rig: Rig?
        public var plan: MeasurementPlan?
        public var errors = ErrorModel()
        /// The landmarks file Save writes (and, when it exists, the landmarks shown first).
        public var landmarksURL: URL
        public init(mesh: TriangleMesh, landmarksURL: URL) { self.mesh = mesh; self.landmarksURL = landmarksURL }
    }

    public let scene: Scene
    /// Each mesh's buffers (`DisplayMesh.encoded`), by name.
    public let buffers: [String: Data]
    public let textures: [Data]
    let mesh: TriangleMesh
    let plan: MeasurementPlan?
    let errors: ErrorModel
    let landmarksURL: URL
    let saved: @Sendable (URL) throws -> Void
    let lock = NSLock()

    /// - Parameter saved: called after each save with the file written (the audit log).
    /// - Throws: `LandmarkError` when an existing landmarks file cannot be read.
    public init(_ inputs: Inputs, saved: @escaping @Sendable (URL) throws -> Void) throws {
        mesh = inputs.mesh; plan = inputs.plan; errors = inputs.errors; landmarksURL = inputs.landmarksURL; self.saved = saved
        var buffers: [String: Data] = [:], entries: [Scene.MeshEntry] = []
        func add(_ name: String, _ display: DisplayMesh, range: Double?) {
            buffers[name] = display.encoded()
            entries.append(Scene.MeshEntry(name: name, vertexCount: display.vertexCount, indexCount: display.indices.count, groups: display.groups, rangeMm: range))
        }
        add("surface", DisplayMesh(inputs.mesh, atlas: inputs.textureFiles.isEmpty ? nil : inputs.atlas), range: nil)
        for c in inputs.comparisons { add(c.name, DisplayMesh(c.mesh), range: c.range) }
        self.buffers = buffers
        textures = inputs.textureFiles.map(\.bytes)
        let bounds = inputs.mesh.bounds ?? (SIMD3<Double>(repeating: -1), SIMD3<Double>(repeating: 1))
        let centre = (bounds.min + bounds.max) / 2
        var placed: [NamedPoint] = []
        if FileManager.default.fileExists(atPath: inputs.landmarksURL.path) {
            let data = try InputLimits.read(inputs.landmarksURL, what: "a landmarks file")
            let existing = try Landmarks(json: data, file: inputs.landmarksURL.path, mesh: inputs.mesh, rig: inputs.rig, keepingUnplaced: true)
            placed = existing.landmarks.map { NamedPoint(name: $0.name, point: [$0.point.x, $0.point.y, $0.point.z]) }
        }
        scene = Scene(meshes: entries, textures: inputs.textureFiles.map(\.name), views: Self.views(inputs.mesh, rig: inputs.rig),
                      centreMm: [centre.x, centre.y, centre.z], radiusMm: max(length(bounds.max - bounds.min) / 2, 1e-6),
                      landmarks: placed, landmarkNames: inputs.plan?.landmarkNames ?? [], measurements: [],
                      landmarksFile: inputs.landmarksURL.lastPathComponent)
    }

    /// The standard views (1000 × 1000) and, with a rig, each camera's own view — without
    /// lens distortion: the page draws with a pinhole.
    static func views(_ mesh: TriangleMesh, rig: Rig?) -> [Scene.View] {
        var named: [(String, StandardView)] = StandardView.named
        for c in rig?.cameras ?? [] { named.append(("camera:\(c.id)", .camera(c.id))) }
        return named.compactMap { name, view in
            var size = (1000, 1000)
            if case let .camera(id) = view, let c = rig?.camera(id: id) { size = (c.camera.imageWidth, c.camera.imageHeight) }
            guard let rc = view.camera(for: mesh, rig: rig, width: size.0, height: size.1) else { return nil }
            let k = rc.camera.intrinsics, r = rc.camFromWorld.rotation.matrix, t = rc.camFromWorld.translation
            return Scene.View(name: name, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, width: size.0, height: size.1,
                              R: [r.row0.x, r.row0.y, r.row0.z, r.row1.x, r.row1.y, r.row1.z, r.row2.x, r.row2.y, r.row2.z],
                              t: [t.x, t.y, t.z])
        }
    }

    /// The first point of the mesh on the ray (world frame, mm), if any.
    public func pick(_ request: PickRequest) -> PickResponse {
        guard request.origin.count == 3, request.direction.count == 3, (request.origin + request.direction).allSatisfy(\.isFinite) else {
            return PickResponse(hit: false)
        }
        let o = SIMD3(request.origin[0], request.origin[1], request.origin[2])
        let d = SIMD3(request.direction[0], request.direction[1], request.direction[2])
        guard length(d) > 0, let hit = mesh.firstHit(origin: o, direction: d) else { return PickResponse(hit: false) }
        return PickResponse(hit: true, point: [hit.point.x, hit.point.y, hit.point.z], distanceMm: hit.distance)
    }

    /// The plan measured between `landmarks` (each snapped onto the mesh); a measurement whose
    /// landmarks are not all placed yet carries the reason instead of a value.
    public func measure(_ landmarks: [NamedPoint]) throws -> [Measured] {
        guard let plan else { return [] }
        let placed = try Landmarks(json: try Self.file(landmarks), file: "the viewer's landmarks", mesh: mesh, rig: nil, keepingUnplaced: true)
        return plan.measureEach(mesh, landmarks: placed, file: "the plan", errors: errors).map { item in
            switch item.result {
            case let .success(v):
                return Measured(name: v.name, unit: v.unit, value: v.value, uncertainty: v.uncertainty,
                                path: v.path.map { [$0.x, $0.y, $0.z] }, closed: v.closed ?? false, problem: nil)
            case let .failure(e):
                return Measured(name: item.name, unit: item.unit, value: nil, uncertainty: nil, path: [], closed: false, problem: e.problem)
            }
        }
    }

    /// Writes the landmarks as `trinocular.landmarks/1` (atomically, 0600) and tells the
    /// audit log. - Throws: `LandmarkError` for a bad list; file errors as they come.
    public func save(_ request: SaveRequest) throws -> SaveResponse {
        let bytes = try Self.file(request.landmarks)
        lock.lock(); defer { lock.unlock() }
        try PrivateFile.write(Array(bytes), to: landmarksURL)
        try saved(landmarksURL)
        return SaveResponse(file: landmarksURL.lastPathComponent, count: request.landmarks.count)
    }

    /// A landmarks file for `landmarks`. - Throws: `LandmarkError` for an unnamed, repeated
    /// or non-finite landmark.
    static func file(_ landmarks: [NamedPoint]) throws -> Data {
        var seen = Set<String>()
        for l in landmarks {
            let name = l.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 100 else { throw LandmarkError(file: "the viewer's landmarks", problem: "a landmark needs a name of 1…100 characters") }
            guard seen.insert(name).inserted else { throw LandmarkError(file: "the viewer's landmarks", problem: "landmark '\(name.excerpt())' is given twice") }
            guard l.point.count == 3, l.point.allSatisfy(\.isFinite) else {
                throw LandmarkError(file: "the viewer's landmarks", problem: "landmark '\(name.excerpt())' needs a point of three finite numbers (mm)")
            }
        }
        return LandmarkTransfer.json(landmarks.map { (name: $0.name.trimmingCharacters(in: .whitespaces), point: SIMD3($0.point[0], $0.point[1], $0.point[2])) })
    }
}

extension ViewerSession.PickResponse {
    init(hit: Bool) { self.hit = hit }
}
