import LinearAlgebra

/// A rigid motion `x_to = R · x_from + t` (t in mm). Name instances after their frames:
/// `camFromWorld`, `cam2FromCam1`. See docs/conventions.md.
public struct RigidTransform: Sendable, Equatable, Hashable {
    public var rotation: Rotation
    /// Translation in mm.
    public var translation: SIMD3<Double>

    public init(rotation: Rotation, translation: SIMD3<Double>) {
        self.rotation = rotation; self.translation = translation
    }

    /// From a Rodrigues vector (radians) and a translation (mm), as OpenCV's rvec/tvec.
    public init(rodrigues r: SIMD3<Double>, translation t: SIMD3<Double>) {
        self.init(rotation: Rotation(rodrigues: r), translation: t)
    }

    public static let identity = RigidTransform(rotation: .identity, translation: .zero)

    /// Maps a point from the source frame to the target frame.
    @inlinable
    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { rotation.matrix * p + translation }

    /// The inverse motion: `x_from = Rᵀ (x_to − t)`.
    public var inverse: RigidTransform {
        let rt = rotation.inverse
        return RigidTransform(rotation: rt, translation: -(rt.matrix * translation))
    }

    /// `aFromB * bFromC` is `aFromC`.
    public static func * (a: RigidTransform, b: RigidTransform) -> RigidTransform {
        RigidTransform(rotation: a.rotation * b.rotation, translation: a.rotation.matrix * b.translation + a.translation)
    }

    /// The target frame's origin expressed in the source frame, −Rᵀ t: for `camFromWorld`,
    /// the camera centre in world coordinates (mm).
    public var targetOriginInSource: SIMD3<Double> { -(rotation.matrix.transposed * translation) }
}
