import Foundation
import Geometry
import LinearAlgebra
import Surface

/// The views of the clinical photography protocols (`../shared/docs/clinical-context.md`),
/// placed relative to the capture rig: `front` looks at the subject from the rig's first
/// camera's side (its image's up is the view's up); the obliques and laterals turn about
/// that up axis by 45° and 90° — `left` shows the subject's left side (the subject faces the
/// rig, so it is the side cam0 sees on its image's right) — and `top`/`bottom` look down at
/// and up at the subject (the worm's-eye view of the nose). `camera:ID` renders through a rig
/// camera itself, lens distortion included, so the render lands on its photograph.
public enum StandardView: Equatable, Sendable, CustomStringConvertible {
    case front, leftOblique, left, rightOblique, right, top, bottom
    case camera(String)

    public static let named: [(String, StandardView)] = [("front", .front), ("left-oblique", .leftOblique), ("left", .left),
                                                         ("right-oblique", .rightOblique), ("right", .right), ("top", .top), ("bottom", .bottom)]

    /// `front`, `left-oblique`, …, or `camera:ID`.
    public init?(_ text: String) {
        if text.hasPrefix("camera:") { let id = String(text.dropFirst(7)); guard !id.isEmpty else { return nil }; self = .camera(id); return }
        guard let v = Self.named.first(where: { $0.0 == text })?.1 else { return nil }
        self = v
    }

    public var description: String {
        if case let .camera(id) = self { return "camera:\(id)" }
        return Self.named.first { $0.1 == self }!.0
    }

    /// The render camera for `mesh` seen from this view: a pinhole of 30° vertical field of
    /// view framing the mesh's bounding sphere with 5 % to spare, `width` × `height` pixels.
    /// Without a rig, the world is taken as a first camera's frame (x right, y down, z away).
    /// - Returns: nil for `camera:ID` when the rig has no such camera.
    public func camera(for mesh: TriangleMesh, rig: Rig?, width: Int, height: Int) -> RenderCamera? {
        if case let .camera(id) = self {
            guard let c = rig?.camera(id: id) else { return nil }
            var camera = c.camera
            if camera.imageWidth != width || camera.imageHeight != height {
                // The same view at another size: intrinsics scaled about the image's corner.
                let sx = Double(width) / Double(camera.imageWidth), sy = Double(height) / Double(camera.imageHeight)
                let k = camera.intrinsics
                camera = PinholeCamera(intrinsics: Intrinsics(fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5),
                                       distortion: camera.distortion, imageWidth: width, imageHeight: height)
            }
            return RenderCamera(camera: camera, camFromWorld: c.camFromWorld)
        }
        let bounds = mesh.bounds ?? (SIMD3<Double>(repeating: -1), SIMD3<Double>(repeating: 1))
        let centre = (bounds.min + bounds.max) / 2, radius = max(length(bounds.max - bounds.min) / 2, 1e-6)
        // The rig's first camera: its forward and down axes in the world.
        let first = rig?.cameras.first?.camFromWorld.rotation.inverse.matrix ?? .identity
        let down0 = first * SIMD3(0, 1, 0)
        var forward = normalize(first * SIMD3(0, 0, 1))
        if let c0 = rig?.cameras.first { forward = normalize(centre - c0.centre) }
        let up = normalize(-down0 + dot(down0, forward) * forward)
        func turned(_ degrees: Double, about axis: SIMD3<Double>, _ v: SIMD3<Double>) -> SIMD3<Double> {
            Rotation(rodrigues: degrees * .pi / 180 * axis).matrix * v
        }
        // Turning the view direction about the up axis by +90° puts the eye on cam0's +x side:
        // the subject's left.
        let look: SIMD3<Double>, viewUp: SIMD3<Double>
        switch self {
        case .front: look = forward; viewUp = up
        case .leftOblique: look = turned(45, about: up, forward); viewUp = up
        case .left: look = turned(90, about: up, forward); viewUp = up
        case .rightOblique: look = turned(-45, about: up, forward); viewUp = up
        case .right: look = turned(-90, about: up, forward); viewUp = up
        case .top: look = -up; viewUp = forward
        case .bottom: look = up; viewUp = -forward
        case .camera: fatalError("handled above")
        }
        let fovY = 30 * Double.pi / 180
        let focal = Double(height) / 2 / tan(fovY / 2)
        let halfAngle = atan(min(Double(width), Double(height)) / 2 / focal)
        let distance = 1.05 * radius / sin(halfAngle)
        let eye = centre - distance * look
        let right = normalize(cross(-viewUp, look)), down = cross(look, right)
        let rotation = Rotation(unchecked: Matrix3x3(rows: right, down, look))
        let camera = PinholeCamera(intrinsics: Intrinsics(fx: focal, fy: focal, cx: Double(width - 1) / 2, cy: Double(height - 1) / 2),
                                   imageWidth: width, imageHeight: height)
        return RenderCamera(camera: camera, camFromWorld: RigidTransform(rotation: rotation, translation: -(rotation.matrix * eye)))
    }
}
