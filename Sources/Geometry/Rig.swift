import Interchange
import LinearAlgebra

/// One camera of a rig: its id, its model, and its pose in the rig's world frame.
public struct RigCamera: Sendable, Equatable {
    /// Short name of letters, digits, `-` and `_` (e.g. `cam0`); also the capture image's name.
    public var id: String
    public var camera: PinholeCamera
    /// World → camera: x_cam = R · x_world + t (t in mm).
    public var camFromWorld: RigidTransform

    public init(id: String, camera: PinholeCamera, camFromWorld: RigidTransform) {
        self.id = id; self.camera = camera; self.camFromWorld = camFromWorld
    }

    /// The camera centre in world coordinates (mm).
    public var centre: SIMD3<Double> { camFromWorld.targetOriginInSource }

    /// The optical axis in world coordinates: the unit vector the camera looks along (its
    /// +z, OpenCV's convention), the third row of the world → camera rotation.
    public var opticalAxis: SIMD3<Double> { camFromWorld.rotation.matrix.row2 }

    /// Whether the two cameras look into the same half-space (optical axes less than 90°
    /// apart): only then can both see the same side of a surface.
    public func faces(_ other: RigCamera) -> Bool { (opticalAxis * other.opticalAxis).sum() > 0 }

    /// Whether `id` is a valid camera id: 1–64 characters of letters, digits, `-` and `_`.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_"
        }
    }
}

/// A calibrated rig of N cameras (three, VECTRA-style, by default), in mm, world frame = the
/// first camera's frame unless the rig file says otherwise. See `Rig+JSON.swift` for the
/// `trinocular.rig/1` file format.
public struct Rig: Sendable, Equatable {
    public var cameras: [RigCamera]
    /// The file's informative `calibration` object (RMS, views, board…), kept as read.
    public var calibration: JSONValue?

    public init(cameras: [RigCamera], calibration: JSONValue? = nil) {
        self.cameras = cameras; self.calibration = calibration
    }

    /// The camera with this id, if any.
    public func camera(id: String) -> RigCamera? { cameras.first { $0.id == id } }

    /// Distance between two camera centres in mm.
    public func baseline(_ a: String, _ b: String) -> Double? {
        guard let ca = camera(id: a), let cb = camera(id: b) else { return nil }
        return length(ca.centre - cb.centre)
    }

    /// `camBFromCamA`: maps points in camera a's frame into camera b's frame.
    public func relativePose(from a: String, to b: String) -> RigidTransform? {
        guard let ca = camera(id: a), let cb = camera(id: b) else { return nil }
        return cb.camFromWorld * ca.camFromWorld.inverse
    }
}
