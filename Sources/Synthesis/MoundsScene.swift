import Foundation
import Interchange
import LinearAlgebra

/// A torso-like vertical cylinder (axis y through the subject's centre) carrying Gaussian
/// mounds along its normal — breast-like volumes with an exactly known size.
///
/// The surface is ρ(θ, y) = R + Σ A exp(−((R·(θ − θᵢ))² + (y − yᵢ)²) / (2σᵢ²)) in cylinder
/// coordinates (θ = 0 faces the rig, increasing towards +x). The volume of mound i above the
/// base cylinder is ∫∫ (R h + h²/2) dθ dy = 2πσ²A + πσ²A²/(2R) (the Gaussian's tails past
/// ±π are below 1e-30 of it for the default sizes; the default mounds are 5.9σ apart, so
/// their overlap term ∫∫h₁h₂/R is 2e-5 of either volume).
public struct MoundsScene: SceneSurface {
    public struct Mound: Sendable, Equatable {
        public var name: String
        /// Angle around the axis, radians (0 faces the rig, positive towards +x).
        public var theta: Double
        /// Height along the axis, mm (y down).
        public var y: Double
        /// Height above the base surface, mm.
        public var amplitude: Double
        /// Gaussian width on the surface, mm.
        public var sigma: Double

        public init(name: String, theta: Double, y: Double, amplitude: Double, sigma: Double) {
            self.name = name; self.theta = theta; self.y = y; self.amplitude = amplitude; self.sigma = sigma
        }
    }

    public var radius: Double
    public var mounds: [Mound]
    let lipschitz: Double
    let maxAmplitude: Double
    /// Each mound's bound on |∇h| over the surface (A/σ · e^(−1/2), with margin; the
    /// θ-derivative shrinks by R/ρ ≤ 1 off the base) and the distance from its
    /// peak within which it counts (4.5σ + A).
    let moundSlope: [Double]
    let influence: [Double]
    let reach: [Double]

    /// Default: a 150 mm torso with two mounds of 35 mm height and σ = 25 mm, 56° apart.
    public init(radius: Double = 150, mounds: [Mound]? = nil) {
        self.radius = radius
        self.mounds = mounds ?? [
            Mound(name: "right", theta: -28 * .pi / 180, y: 20, amplitude: 35, sigma: 25),
            Mound(name: "left", theta: 28 * .pi / 180, y: 20, amplitude: 35, sigma: 25),
        ]
        maxAmplitude = self.mounds.map(\.amplitude).reduce(0, +)
        // |∇h| ≤ A/σ · e^(−1/2); the cylinder's curvature adds a little.
        let slope = self.mounds.map { $0.amplitude / $0.sigma * 0.6066 }.max() ?? 0
        moundSlope = self.mounds.map { 1.1 * $0.amplitude / $0.sigma * 0.6066 }
        influence = self.mounds.map { 4.5 * $0.sigma + $0.amplitude }
        reach = self.mounds.map { 6.5 * $0.sigma + $0.amplitude }
        lipschitz = 1.1 * (1 + slope * slope).squareRoot() * (radius + maxAmplitude) / radius
    }

    /// Mound volume above the base cylinder, mm³ (closed form).
    public func volume(of m: Mound) -> Double {
        2 * .pi * m.sigma * m.sigma * m.amplitude + .pi * m.sigma * m.sigma * m.amplitude * m.amplitude / (2 * radius)
    }

    /// Height h(θ, y) above the base and its partial derivatives ∂h/∂θ, ∂h/∂y.
    func height(theta: Double, y: Double) -> (h: Double, dTheta: Double, dY: Double) {
        var h = 0.0, dt = 0.0, dy = 0.0
        for m in mounds {
            var a = theta - m.theta
            if a > .pi { a -= 2 * .pi } else if a < -.pi { a += 2 * .pi }
            let u = radius * a, v = y - m.y
            let e = (u * u + v * v) / (2 * m.sigma * m.sigma)
            if e > 60 { continue }
            let value = m.amplitude * exp(-e)
            h += value
            dt -= value * u * radius / (m.sigma * m.sigma)
            dy -= value * v / (m.sigma * m.sigma)
        }
        return (h, dt, dy)
    }

    /// The skin's height above the base cylinder at (θ, y) (mm), and its point there in the
    /// subject frame (mm): (ρ sin θ, y, −ρ cos θ), ρ = R + h.
    public func skinHeight(theta: Double, y: Double) -> Double { height(theta: theta, y: y).h }

    public func skinPoint(theta: Double, y: Double) -> SIMD3<Double> {
        let rho = radius + skinHeight(theta: theta, y: y)
        return SIMD3(rho * sin(theta), y, -rho * cos(theta))
    }

    func g(_ p: SIMD3<Double>) -> Double {
        let rho = (p.x * p.x + p.z * p.z).squareRoot()
        let theta = atan2(p.x, -p.z)
        return rho - radius - height(theta: theta, y: p.y).h
    }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        intersect(origin: origin, direction: direction, near: .nan)
    }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>, near: Double) -> SurfaceHit? {
        guard let outer = rayCylinderY(origin: origin, direction: direction, radius: radius + maxAmplitude + 1e-6),
              outer.exit > 0 else { return nil }
        // Mounds that can matter on this ray: within 6.5σ + A of their peak (beyond, their
        // height is below 1e-9 A), and within 4.5σ + A for their slope.
        let base = rayCylinderY(origin: origin, direction: direction, radius: radius)
        let a0 = origin + max(outer.enter, 0) * direction
        let span = (base.map { $0.enter > 0 ? $0.enter : outer.exit } ?? outer.exit) - max(outer.enter, 0)
        var reachHeight = 0.0, slope = 0.0
        for (i, m) in mounds.enumerated() {
            let c = SIMD3(sin(m.theta) * (radius + m.amplitude / 2), m.y, -cos(m.theta) * (radius + m.amplitude / 2))
            let t = min(max(dot(c - a0, direction), 0), max(span, 0))
            let gap = a0 + t * direction - c
            let d2 = (gap * gap).sum()
            if d2 < reach[i] * reach[i] { reachHeight += m.amplitude }
            if d2 < influence[i] * influence[i] { slope += moundSlope[i] }
        }
        if reachHeight == 0 {
            // Bare cylinder here: the analytic hit.
            guard let base, base.enter > 0 else { return nil }
            let p = origin + base.enter * direction
            return SurfaceHit(distance: base.enter, point: p, normal: normalize(SIMD3(p.x, 0, p.z)))
        }
        guard let local = rayCylinderY(origin: origin, direction: direction, radius: radius + reachHeight + 1e-6),
              local.exit > 0 else { return nil }
        let start = max(local.enter, 0)
        var end = local.exit
        if let base, base.enter > start { end = base.enter }
        // θ = atan2(x, −z) relative to the segment's end, by series while the difference is
        // small (|tan δ| < 0.1: 8 terms, error < 1e-18), else atan2: most evaluations sit
        // close to the root.
        let pEnd = origin + end * direction
        let thetaRef = atan2(pEnd.x, -pEnd.z)
        let ref = SIMD2(sin(thetaRef), cos(thetaRef))
        func angle(_ p: SIMD3<Double>) -> Double {
            let v = SIMD2(p.x, -p.z)
            let c = v.x * ref.y - v.y * ref.x, d = v.x * ref.x + v.y * ref.y
            guard d > 0, abs(c) < 0.1 * d else { return atan2(p.x, -p.z) }
            let t = c / d, t2 = t * t
            var series = 1.0 / 15
            for k in stride(from: 13.0, through: 1, by: -2) { series = 1 / k - t2 * series }
            return thetaRef + t * series
        }
        func along(_ s: Double) -> Double {
            let p = origin + s * direction
            return (p.x * p.x + p.z * p.z).squareRoot() - radius - height(theta: angle(p), y: p.y).h
        }
        func withSlope(_ t: Double) -> (Double, Double) {
            let p = origin + t * direction
            let rho = (p.x * p.x + p.z * p.z).squareRoot()
            let theta = angle(p)
            let hv = height(theta: theta, y: p.y)
            let radial = SIMD3(p.x / rho, 0, p.z / rho), tangent = SIMD3(-p.z / rho, 0, p.x / rho)
            let grad = radial - (hv.dTheta / rho) * tangent - SIMD3(0, hv.dY, 0)
            return (rho - radius - hv.h, dot(grad, direction))
        }
        var s: Double?
        if near.isFinite { s = warmRoot(near: near, start: start, end: end, withSlope) }
        if s == nil {
            // dρ/ds grows along a straight ray, so if it is below −max|∇h| at the segment's
            // end, g = ρ − R − h decreases throughout and has one root: Newton.
            // g' = d·∇g ≤ d·ρ̂ + |d − (d·ρ̂)ρ̂| · |∇h|, and d·ρ̂ only grows along the ray:
            // negative at the segment's end means one root, found by Newton.
            let pe = origin + end * direction
            let radialEnd = (pe.x * direction.x + pe.z * direction.z) / (pe.x * pe.x + pe.z * pe.z).squareRoot()
            if radialEnd + (max(0, 1 - radialEnd * radialEnd)).squareRoot() * slope < 0 {
                s = monotoneRoot(start, end, withSlope)
            } else {
                let localL = 1.1 * (1 + slope * slope).squareRoot()
                s = firstRoot(from: start, to: end, lipschitz: localL, minStep: 0.25, along)
            }
        }
        guard let s else { return nil }
        let p = origin + s * direction
        return SurfaceHit(distance: s, point: p, normal: normal(at: p))
    }

    /// Outward unit normal: ∇g with g = ρ − R − h(θ, y).
    func normal(at p: SIMD3<Double>) -> SIMD3<Double> {
        let rho = (p.x * p.x + p.z * p.z).squareRoot()
        let theta = atan2(p.x, -p.z)
        let radial = SIMD3(p.x / rho, 0, p.z / rho)
        let tangent = SIMD3(-p.z / rho, 0, p.x / rho)  // ∂p/∂θ / ρ = (cos θ, 0, sin θ)
        let d = height(theta: theta, y: p.y)
        return normalize(radial - (d.dTheta / rho) * tangent - d.dY * SIMD3(0, 1, 0))
    }

    public var truth: JSONValue {
        let volumes = mounds.map { m -> JSONValue in
            .object([("name", .string("mound-\(m.name)")), ("mm3", .number(volume(of: m))),
                     ("mL", .number(volume(of: m) / 1000)),
                     ("method", "closed form 2πσ²A + πσ²A²/(2R): volume between the base cylinder and the mound")])
        }
        return .object([
            ("scene", "mounds"),
            ("parameters", .object([
                ("baseCylinder", .object([("axis", "y through the subject centre"), ("radius", .number(radius))])),
                ("mounds", .array(mounds.map { m in
                    .object([("name", .string(m.name)), ("thetaRad", .number(m.theta)), ("y", .number(m.y)),
                             ("amplitude", .number(m.amplitude)), ("sigma", .number(m.sigma))])
                })),
                ("surface", "rho(theta, y) = R + sum A exp(-((R (theta - theta_i))^2 + (y - y_i)^2) / (2 sigma^2)); theta = atan2(x, -z)"),
            ])),
            ("areas", .array([])),
            ("volumes", .array(volumes)),
        ])
    }

    public func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] {
        var g = SplitMix(seed: seed)
        return (0..<count).map { _ in
            let theta = g.uniform(-1.2, 1.2), y = g.uniform(-200, 200)
            let rho = radius + height(theta: theta, y: y).h
            return SIMD3(rho * sin(theta), y, -rho * cos(theta))
        }
    }
}
