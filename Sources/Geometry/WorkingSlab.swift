import LinearAlgebra

/// Where the subject may be, as seen by a group of cameras: the points whose depth along the
/// cameras' mean viewing direction, measured from the midpoint of their centres, lies in a
/// range (mm). It is the working range (`capture.json`'s `workingRange`) made into a volume
/// in front of the cameras that look at the subject; it does not depend on which camera is
/// listed first, and it stays in front of every pair of a wide arc, of pods or of a ring.
public struct WorkingSlab: Sendable, Equatable {
    /// The midpoint of the cameras' centres (mm).
    public var origin: SIMD3<Double>
    /// The unit mean viewing direction.
    public var axis: SIMD3<Double>
    /// Near…far depth (mm) along `axis` from `origin`.
    public var depths: ClosedRange<Double>

    public init(origin: SIMD3<Double>, axis: SIMD3<Double>, depths: ClosedRange<Double>) {
        self.origin = origin; self.axis = axis; self.depths = depths
    }

    /// The slab in front of `cameras` (at least one): the midpoint of their centres and the
    /// normalized sum of their optical axes (the first camera's axis if they cancel out).
    public init(cameras: [RigCamera], depths: ClosedRange<Double>) {
        precondition(!cameras.isEmpty, "a working slab needs a camera")
        let origin = cameras.reduce(SIMD3<Double>.zero) { $0 + $1.centre } / Double(cameras.count)
        let sum = cameras.reduce(SIMD3<Double>.zero) { $0 + $1.opticalAxis }
        let norm = (sum * sum).sum().squareRoot()
        self.init(origin: origin, axis: norm > 1e-9 ? sum / norm : cameras[0].opticalAxis, depths: depths)
    }

    /// The point's depth along the axis (mm).
    public func depth(_ x: SIMD3<Double>) -> Double { ((x - origin) * axis).sum() }

    public func contains(_ x: SIMD3<Double>) -> Bool { depths.contains(depth(x)) }

    /// The same slab in another frame: `transform` maps this slab's frame into it.
    public func transformed(by transform: RigidTransform) -> WorkingSlab {
        WorkingSlab(origin: transform.apply(origin), axis: transform.rotation.matrix * axis, depths: depths)
    }

    /// The stretch of the ray `start + s·direction` (s ≥ 0, `direction` a unit vector) inside
    /// the slab, as s from…to (mm); nil if the ray never enters it.
    public func interval(rayFrom start: SIMD3<Double>, direction: SIMD3<Double>) -> (Double, Double)? {
        let d0 = depth(start), rate = (direction * axis).sum()
        if abs(rate) < 1e-12 { return depths.contains(d0) ? (0, .infinity) : nil }
        let a = (depths.lowerBound - d0) / rate, b = (depths.upperBound - d0) / rate
        let from = max(min(a, b), 0), to = max(a, b)
        return to > from ? (from, to) : nil
    }
}
