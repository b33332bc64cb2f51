import Foundation
import Interchange
import LinearAlgebra
import Metrology
import Surface

/// What `measure --json` prints (`trinocular.measure/1`, docs/formats.md, "Metrology"),
/// read back by `report`. Lengths in mm, areas mm², volumes mm³.
public struct MeasurementReport: Codable, Sendable {
    public struct Bounds: Codable, Sendable {
        public var min: [Double]
        public var max: [Double]
    }

    public struct PlacedLandmark: Codable, Sendable {
        public var name: String
        public var pointMm: [Double]
        /// "point" or "pick <camera>".
        public var source: String
        public var movedMm: Double
    }

    /// Landmarks carried from a baseline mesh by registration.
    public struct Transfer: Codable, Sendable {
        public var method: String
        public var rmsMm: Double
        public var inlierFraction: Double
        public var rotationDegrees: Double
        public var translationMm: Double
    }

    public struct Value: Codable, Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        public var method: String
        /// Estimated standard error, in `unit`.
        public var uncertainty: Double
        public var uncertaintyMethod: String
        public var closed: Bool?
    }

    public var format = "trinocular.measure/1"
    public var units = "mm"
    public var vertices: Int
    public var faces: Int
    public var areaMm2: Double
    public var closed: Bool
    public var closedCheck: String
    public var boundaryEdges: Int
    public var nonManifoldEdges: Int
    public var inconsistentEdges: Int
    public var degenerateFaces: Int
    @Null public var volumeMm3: Double?
    public var volumeRefused: String?
    public var boundsMm: Bounds?
    public var landmarks: [PlacedLandmark]?
    public var landmarkTransfer: Transfer?
    public var measurements: [Value]?

    /// The mesh's figures, its landmarks (when placed), their transfer (when carried) and
    /// the plan's measurements (when a plan was given).
    public init(_ mesh: TriangleMesh, topology: MeshTopology, volume: Double?, refusal: String?,
                landmarks: Landmarks?, measured: [MeasuredValue]?, transfer: LandmarkTransfer.Result?) {
        vertices = mesh.vertices.count; faces = mesh.faces.count; areaMm2 = mesh.area
        closed = topology.isClosed; closedCheck = MeshTopology.method; boundaryEdges = topology.boundaryEdges
        nonManifoldEdges = topology.nonManifoldEdges; inconsistentEdges = topology.inconsistentEdges; degenerateFaces = topology.degenerateFaces
        volumeMm3 = volume; volumeRefused = refusal
        boundsMm = mesh.bounds.map { Bounds(min: [$0.min.x, $0.min.y, $0.min.z], max: [$0.max.x, $0.max.y, $0.max.z]) }
        self.landmarks = landmarks?.landmarks.map { PlacedLandmark(name: $0.name, pointMm: [$0.point.x, $0.point.y, $0.point.z], source: $0.source, movedMm: $0.snapDistance) }
        landmarkTransfer = transfer.map { t in
            Transfer(method: "the landmarks' mesh registered onto this one (point-to-plane ICP, robust weights); the landmarks moved with it and placed on this mesh",
                     rmsMm: t.registration.rms, inlierFraction: t.registration.inlierFraction,
                     rotationDegrees: t.registration.transform.rotation.angle * 180 / .pi, translationMm: length(t.registration.transform.translation))
        }
        measurements = measured?.map { Value(name: $0.name, value: $0.value, unit: $0.unit, method: $0.method, uncertainty: $0.uncertainty, uncertaintyMethod: $0.uncertaintyMethod, closed: $0.closed) }
    }
}
