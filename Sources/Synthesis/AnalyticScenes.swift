import Foundation
import Interchange
import LinearAlgebra

/// A sphere: V = 4/3 π r³, A = 4 π r².
public struct SphereScene: SceneSurface {
    public var centre: SIMD3<Double>
    public var radius: Double

    public init(centre: SIMD3<Double> = .zero, radius: Double = 100) {
        self.centre = centre; self.radius = radius
    }

    public var volume: Double { 4 / 3 * .pi * radius * radius * radius }
    public var area: Double { 4 * .pi * radius * radius }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        guard let (enter, exit) = raySphere(origin: origin, direction: direction, centre: centre, radius: radius) else { return nil }
        let s = enter > 0 ? enter : exit
        guard s > 0 else { return nil }
        let p = origin + s * direction
        return SurfaceHit(distance: s, point: p, normal: (p - centre) / radius)
    }

    public var truth: JSONValue {
        .object([
            ("scene", "sphere"),
            ("parameters", .object([("centre", .numbers([centre.x, centre.y, centre.z])), ("radius", .number(radius))])),
            ("areas", .array([.object([("name", "surface"), ("mm2", .number(area)), ("method", "closed form 4πr²")])])),
            ("volumes", .array([.object([("name", "enclosed"), ("mm3", .number(volume)), ("method", "closed form 4/3πr³")])])),
        ])
    }

    public func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] {
        var g = SplitMix(seed: seed)
        return (0..<count).map { _ in centre + radius * normalize(SIMD3(g.gaussian(), g.gaussian(), g.gaussian())) }
    }
}

/// An ellipsoid with semi-axes (a, b, c) along the columns of `orientation`:
/// V = 4/3 π a b c; A by Legendre's formula with Carlson's elliptic integrals.
public struct EllipsoidScene: SceneSurface {
    public var centre: SIMD3<Double>
    public var semiAxes: SIMD3<Double>
    /// Subject-from-ellipsoid rotation: the ellipsoid's axes are its columns.
    public var orientation: Rotation

    public init(centre: SIMD3<Double> = .zero, semiAxes: SIMD3<Double> = SIMD3(120, 90, 70), orientation: Rotation) {
        self.centre = centre; self.semiAxes = semiAxes; self.orientation = orientation
    }

    public var volume: Double { 4 / 3 * .pi * semiAxes.x * semiAxes.y * semiAxes.z }
    public var area: Double { ellipsoidSurfaceArea(semiAxes.x, semiAxes.y, semiAxes.z) }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        // In the unit-sphere frame: q = S⁻¹ Rᵀ (p − c).
        let rt = orientation.matrix.transposed
        let o = rt * (origin - centre) / semiAxes, d = rt * direction / semiAxes
        let a = dot(d, d), b = dot(o, d), c = dot(o, o) - 1
        let disc = b * b - a * c
        guard disc >= 0 else { return nil }
        let q = disc.squareRoot()
        let enter = (-b - q) / a, exit = (-b + q) / a
        let s = enter > 0 ? enter : exit
        guard s > 0 else { return nil }
        let p = origin + s * direction
        let local = rt * (p - centre)
        let n = orientation.matrix * (local / (semiAxes * semiAxes))
        return SurfaceHit(distance: s, point: p, normal: normalize(n))
    }

    public var truth: JSONValue {
        .object([
            ("scene", "ellipsoid"),
            ("parameters", .object([
                ("centre", .numbers([centre.x, centre.y, centre.z])),
                ("semiAxes", .numbers([semiAxes.x, semiAxes.y, semiAxes.z])),
                ("orientation", .numbers(orientation.matrix.rowMajor)),
            ])),
            ("areas", .array([.object([("name", "surface"), ("mm2", .number(area)),
                                       ("method", "Legendre's formula, Carlson elliptic integrals")])])),
            ("volumes", .array([.object([("name", "enclosed"), ("mm3", .number(volume)), ("method", "closed form 4/3πabc")])])),
        ])
    }

    public func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] {
        var g = SplitMix(seed: seed)
        return (0..<count).map { _ in
            centre + orientation.apply(semiAxes * normalize(SIMD3(g.gaussian(), g.gaussian(), g.gaussian())))
        }
    }
}

/// A plane through `point` with unit `normal` facing the rig: for disparity checks.
public struct PlaneScene: SceneSurface {
    public var point: SIMD3<Double>
    public var normal: SIMD3<Double>

    public init(point: SIMD3<Double> = SIMD3(0, 0, -100), normal: SIMD3<Double> = SIMD3(0, 0, -1)) {
        self.point = point; self.normal = normalize(normal)
    }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        let denom = dot(direction, normal)
        guard abs(denom) > 1e-12 else { return nil }
        let s = dot(point - origin, normal) / denom
        guard s > 0 else { return nil }
        return SurfaceHit(distance: s, point: origin + s * direction, normal: denom < 0 ? normal : -normal)
    }

    public var truth: JSONValue {
        .object([
            ("scene", "plane"),
            ("parameters", .object([("point", .numbers([point.x, point.y, point.z])), ("normal", .numbers([normal.x, normal.y, normal.z]))])),
            ("areas", .array([])),
            ("volumes", .array([])),
        ])
    }

    public func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] {
        var g = SplitMix(seed: seed)
        let u = normalize(cross(normal, abs(normal.y) < 0.9 ? SIMD3(0, 1, 0) : SIMD3(1, 0, 0)))
        let v = cross(normal, u)
        return (0..<count).map { _ in point + g.uniform(-150, 150) * u + g.uniform(-150, 150) * v }
    }
}
