import Foundation
import LinearAlgebra

/// The scenes `trinocular synth capture --scene NAME` knows, each with exact ground truth.
public enum SceneName: String, Sendable, CaseIterable {
    /// A sphere of radius 100 mm at the subject's centre.
    case sphere
    /// An ellipsoid (semi-axes 120, 90, 70 mm) in a random orientation drawn from the seed.
    case ellipsoid
    /// A torso-like cylinder (R = 150 mm) with two Gaussian mounds (A = 35 mm, σ = 25 mm).
    case mounds
    /// A face-like head: an ellipsoid with forehead, brows, eye sockets, nose, cheeks, lips, chin.
    case face
    /// A plane 100 mm in front of the subject's centre, facing the rig, tilted by the seed.
    case plane

    public var summary: String {
        switch self {
        case .sphere: return "sphere, radius 100 mm (closed-form area and volume)"
        case .ellipsoid: return "ellipsoid 120×90×70 mm, random orientation (closed-form volume, Legendre area)"
        case .mounds: return "torso cylinder R 150 mm with two Gaussian mounds A 35 mm σ 25 mm (closed-form volumes)"
        case .face: return "face-like relief on an ellipsoid: nose, lips, chin, brows, eye sockets (quadrature volume, area)"
        case .plane: return "a textured plane ~1000 mm from the rig, slightly tilted (for disparity checks)"
        }
    }

    /// The scene for a seed (only `ellipsoid` and `plane` depend on it).
    public func make(seed: UInt64) -> any SceneSurface {
        var g = SplitMix(seed: seed ^ 0x5CE7_E5)
        switch self {
        case .sphere: return SphereScene()
        case .ellipsoid: return EllipsoidScene(orientation: g.rotation())
        case .mounds: return MoundsScene()
        case .face: return FaceScene()
        case .plane:
            let tilt = SIMD3(g.uniform(-0.25, 0.25), g.uniform(-0.25, 0.25), -1)
            return PlaneScene(point: SIMD3(0, 0, -100), normal: tilt)
        }
    }
}
