import Foundation
import Interchange
import LinearAlgebra

/// Where a ray meets a scene's surface (subject frame, mm).
public struct SurfaceHit: Sendable {
    /// Distance along the (unit) ray direction.
    public var distance: Double
    public var point: SIMD3<Double>
    /// Unit outward normal.
    public var normal: SIMD3<Double>
}

/// A surface with exact ground truth, modelled in the subject frame (origin at the
/// subject's centre, x right, y down, z away from the rig).
public protocol SceneSurface: Sendable {
    /// The first intersection of `origin + s · direction` (direction unit, s > 0).
    func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit?
    /// A warm-started intersection: the surface is known to be met near `near` (a
    /// neighbouring ray's hit). Scenes that march may use it; the default ignores it.
    func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>, near: Double) -> SurfaceHit?
    /// Scene name, parameters and true measures (areas mm², volumes mm³), as JSON.
    var truth: JSONValue { get }
    /// Points on the surface (subject frame) for tests: a deterministic sample of `count`.
    func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>]
    /// The surface's own albedo at a point (0…1), or nil for the speckle texture.
    func albedo(at point: SIMD3<Double>) -> Double?
}

extension SceneSurface {
    public func albedo(at point: SIMD3<Double>) -> Double? { nil }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>, near: Double) -> SurfaceHit? {
        intersect(origin: origin, direction: direction)
    }
}

/// Ray–sphere: the entry and exit distances, or nil when the ray misses.
func raySphere(origin o: SIMD3<Double>, direction d: SIMD3<Double>, centre c: SIMD3<Double>,
               radius r: Double) -> (enter: Double, exit: Double)? {
    let oc = o - c
    let b = dot(oc, d)
    let disc = b * b - (dot(oc, oc) - r * r)
    guard disc >= 0 else { return nil }
    let q = disc.squareRoot()
    return (-b - q, -b + q)
}

/// Ray–infinite cylinder about the y axis (x² + z² = r²).
func rayCylinderY(origin o: SIMD3<Double>, direction d: SIMD3<Double>, radius r: Double) -> (enter: Double, exit: Double)? {
    let a = d.x * d.x + d.z * d.z
    guard a > 1e-300 else { return nil }
    let b = o.x * d.x + o.z * d.z
    let c = o.x * o.x + o.z * o.z - r * r
    let disc = b * b - a * c
    guard disc >= 0 else { return nil }
    let q = disc.squareRoot()
    return ((-b - q) / a, (-b + q) / a)
}

/// The first root of g on [s0, s1] for g > 0 outside the surface and < 0 inside.
///
/// Steps of max(g / lipschitz, minStep) cannot jump over a root as long as `lipschitz`
/// bounds |dg/ds| (features thinner than `minStep` may be missed), then the bracket is
/// refined by the Illinois variant of regula falsi to 1e-7 mm.
func firstRoot(from s0: Double, to s1: Double, lipschitz: Double, minStep: Double,
               _ g: (Double) -> Double) -> Double? {
    var a = s0, ga = g(a)
    if ga <= 0 { return a }
    while a < s1 {
        let b = Swift.min(a + Swift.max(ga / lipschitz, minStep), s1)
        let gb = g(b)
        if gb <= 0 { return refineRoot(a, ga, b, gb, g) }
        if b >= s1 { break }
        a = b; ga = gb
    }
    return nil
}

/// The root of g on a bracket [a, b] (g(a) > 0 ≥ g(b)) where g is known to be strictly
/// decreasing, by Newton's method from b, safeguarded by bisection; `gd` returns g and
/// dg/ds. Converges quadratically: 3–5 evaluations to 1e-7 mm.
func monotoneRoot(_ a0: Double, _ b0: Double, _ gd: (Double) -> (Double, Double)) -> Double {
    var a = a0, b = b0
    var s = b
    for _ in 0..<50 {
        let (gs, ds) = gd(s)
        if gs > 0 { a = s } else { b = s }
        if abs(gs) < 1e-9 || b - a < 1e-7 { return s }
        var next = ds < 0 ? s - gs / ds : .nan
        if !(next > a && next < b) { next = 0.5 * (a + b) }
        if abs(next - s) < 1e-8 { return next }
        s = next
    }
    return s
}

/// Newton's method from a neighbouring ray's hit `near`, for coherent rays (the sub-pixel
/// samples of one pixel): 2–3 evaluations instead of a march. Accepted only when it lands
/// inside [start, end] with g > 0 just before it, so a silhouette between neighbours falls
/// back to the full search.
func warmRoot(near: Double, start: Double, end: Double, _ gd: (Double) -> (Double, Double)) -> Double? {
    var s = min(max(near, start), end)
    for _ in 0..<6 {
        let (gs, ds) = gd(s)
        guard ds < -1e-3 else { return nil }
        let step = gs / ds
        s -= step
        guard s > start, s < end else { return nil }
        if abs(step) < 1e-7 {
            let before = max(start, s - 1)
            return gd(before).0 > 0 ? s : nil
        }
    }
    return nil
}

/// Illinois regula falsi on a bracket [a, b] with g(a) > 0 ≥ g(b).
func refineRoot(_ a0: Double, _ ga0: Double, _ b0: Double, _ gb0: Double, _ g: (Double) -> Double) -> Double {
    var a = a0, ga = ga0, b = b0, gb = gb0
    var side = 0
    for _ in 0..<60 {
        if b - a < 1e-7 { break }
        var s = (a * gb - b * ga) / (gb - ga)
        if !(s > a && s < b) { s = 0.5 * (a + b) }
        let gs = g(s)
        if gs == 0 { return s }
        if gs > 0 {
            a = s; ga = gs
            if side == 1 { gb *= 0.5 }
            side = 1
        } else {
            b = s; gb = gs
            if side == -1 { ga *= 0.5 }
            side = -1
        }
    }
    return 0.5 * (a + b)
}
