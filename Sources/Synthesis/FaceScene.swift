import Foundation
import Interchange
import LinearAlgebra

/// A smooth face-like head: an ellipsoid with smooth bumps (forehead, brows, nose, cheeks,
/// lips, chin) and hollows (eye sockets), as a star-shaped surface about its centre:
/// ρ(d) = r_E(d) + Σ Aᵢ exp(−(uᵢ²/(2 suᵢ²) + vᵢ²/(2 svᵢ²) + K (1 − wᵢ)²)) for unit
/// directions d, with (uᵢ, vᵢ, wᵢ) = d in bump i's frame. Enough relief for self-occlusion
/// (the nose hides a cheek from a side camera). True volume and area by numerical
/// quadrature over directions (see `Quadrature.swift`).
public struct FaceScene: SceneSurface {
    public struct Bump: Sendable, Equatable {
        public var name: String
        /// Unit direction of the bump's centre from the head's centre (subject frame).
        public var axis: SIMD3<Double>
        /// Height along the radius, mm (negative: a hollow).
        public var amplitude: Double
        /// Angular widths (radians) across (horizontal) and along (vertical) the face.
        public var widthAcross: Double
        public var widthAlong: Double
        let e1: SIMD3<Double>, e2: SIMD3<Double>

        public init(name: String, azimuth: Double, elevation: Double, amplitude: Double, widthAcross: Double, widthAlong: Double) {
            self.name = name
            // Azimuth to +x, elevation up (−y); the face looks towards −z (the rig).
            let a = azimuth * .pi / 180, e = elevation * .pi / 180
            axis = SIMD3(cos(e) * sin(a), -sin(e), -cos(e) * cos(a))
            e1 = normalize(cross(SIMD3(0, 1, 0), axis)) * -1
            e2 = cross(axis, e1)
            self.amplitude = amplitude; self.widthAcross = widthAcross; self.widthAlong = widthAlong
        }
    }

    public var centre: SIMD3<Double>
    /// Head ellipsoid semi-axes (x: half width, y: half height, z: half depth), mm.
    public var semiAxes: SIMD3<Double>
    public var bumps: [Bump]
    static let backCut = 40.0
    private(set) var outerRadius: Double, innerRadius: Double
    /// Largest |∂ρ/∂angle| of the bare ellipsoid, mm per radian.
    private(set) var ellipsoidSlope: Double
    /// Each bump's largest |∂ρ/∂angle| (|A|/w · e^(−1/2)), and the angle (4.5 widths) past
    /// which its slope is below 1e-4 of that.
    private(set) var bumpSlope: [Double]
    private(set) var influence: [(cos: Double, sin: Double)]
    private(set) var reach: [(cos: Double, sin: Double)]

    public init(centre: SIMD3<Double> = SIMD3(0, 0, 20), semiAxes: SIMD3<Double> = SIMD3(78, 105, 95), bumps: [Bump]? = nil) {
        self.centre = centre; self.semiAxes = semiAxes
        self.bumps = bumps ?? [
            Bump(name: "forehead", azimuth: 0, elevation: 28, amplitude: 6, widthAcross: 0.45, widthAlong: 0.22),
            Bump(name: "brow-right", azimuth: -18, elevation: 13, amplitude: 5, widthAcross: 0.16, widthAlong: 0.06),
            Bump(name: "brow-left", azimuth: 18, elevation: 13, amplitude: 5, widthAcross: 0.16, widthAlong: 0.06),
            Bump(name: "eye-right", azimuth: -19, elevation: 6, amplitude: -7, widthAcross: 0.12, widthAlong: 0.07),
            Bump(name: "eye-left", azimuth: 19, elevation: 6, amplitude: -7, widthAcross: 0.12, widthAlong: 0.07),
            Bump(name: "nose-bridge", azimuth: 0, elevation: 2, amplitude: 12, widthAcross: 0.06, widthAlong: 0.14),
            Bump(name: "nose-tip", azimuth: 0, elevation: -10, amplitude: 22, widthAcross: 0.08, widthAlong: 0.08),
            Bump(name: "cheek-right", azimuth: -32, elevation: -8, amplitude: 6, widthAcross: 0.18, widthAlong: 0.14),
            Bump(name: "cheek-left", azimuth: 32, elevation: -8, amplitude: 6, widthAcross: 0.18, widthAlong: 0.14),
            Bump(name: "upper-lip", azimuth: 0, elevation: -24, amplitude: 8, widthAcross: 0.14, widthAlong: 0.045),
            Bump(name: "lower-lip", azimuth: 0, elevation: -31, amplitude: 7, widthAcross: 0.12, widthAlong: 0.04),
            Bump(name: "chin", azimuth: 0, elevation: -44, amplitude: 9, widthAcross: 0.16, widthAlong: 0.1),
        ]
        outerRadius = 0; innerRadius = 0; ellipsoidSlope = 0; bumpSlope = []; influence = []; reach = []
        // Tight bounding spheres: ρ scanned over a direction grid (spacing ≤ 0.01 rad), with
        // a margin covering what the grid can miss (slope × half-spacing) plus 1 mm.
        var high = 0.0, low = Double.infinity
        let steps = 320
        for i in 0...steps {
            let theta = Double.pi * Double(i) / Double(steps)
            let ring = max(1, Int((2 * Double(steps) * sin(theta)).rounded()))
            for j in 0..<ring {
                let phi = 2 * Double.pi * Double(j) / Double(ring)
                let rho = radius(SIMD3(cos(theta), sin(theta) * cos(phi), sin(theta) * sin(phi))).rho
                high = max(high, rho); low = min(low, rho)
            }
        }
        let gridSlack = 200 * Double.pi / Double(steps) + 1
        outerRadius = high + gridSlack
        innerRadius = max(1, low - gridSlack)
        let a = max(semiAxes.x, semiAxes.y, semiAxes.z), c = min(semiAxes.x, semiAxes.y, semiAxes.z)
        ellipsoidSlope = 1.1 * (a * a - c * c) / (2 * c)
        bumpSlope = self.bumps.map { 1.1 * abs($0.amplitude) / min($0.widthAcross, $0.widthAlong) * 0.6066 }
        influence = self.bumps.map { b in
            let angle = min(4.5 * max(b.widthAcross, b.widthAlong), .pi / 2)
            return (cos(angle), sin(angle))
        }
        reach = self.bumps.map { b in
            let angle = min(6 * max(b.widthAcross, b.widthAlong), .pi / 2)
            return (cos(angle), sin(angle))
        }
        precondition(self.bumps.count <= 64, "at most 64 bumps")
    }

    /// ρ(d) for a unit direction, and its gradient with respect to d (in R³).
    func radius(_ d: SIMD3<Double>, mask: UInt64 = .max) -> (rho: Double, gradient: SIMD3<Double>) {
        let inv2 = 1 / (semiAxes * semiAxes)
        let q = (d * d * inv2).sum()
        let rE = 1 / q.squareRoot()
        var rho = rE
        var grad = -(rE * rE * rE) * (d * inv2)
        for (i, b) in bumps.enumerated() where mask & (1 << UInt64(i)) != 0 {
            guard let x = FaceScene.exponent(d, b) else { continue }
            let value = b.amplitude * exp(-x.e)
            rho += value
            let du: SIMD3<Double> = (x.u / (b.widthAcross * b.widthAcross)) * b.e1
            let dv: SIMD3<Double> = (x.v / (b.widthAlong * b.widthAlong)) * b.e2
            let dw: SIMD3<Double> = (2 * FaceScene.backCut * (1 - x.w)) * b.axis
            grad -= value * (du + dv - dw)
        }
        return (rho, grad)
    }

    /// A bump's Gaussian exponent at direction d, with d's coordinates along its frame; nil
    /// where the bump is below e^−32 (behind it) or e^−40.
    @inline(__always)
    static func exponent(_ d: SIMD3<Double>, _ b: Bump) -> (u: Double, v: Double, w: Double, e: Double)? {
        let w = dot(d, b.axis)
        if w < 0.2 { return nil }  // K (1 − w)² > 32: below e^−32
        let u = dot(d, b.e1), v = dot(d, b.e2)
        let su2 = b.widthAcross * b.widthAcross, sv2 = b.widthAlong * b.widthAlong
        let across: Double = u * u / (2 * su2)
        let along: Double = v * v / (2 * sv2)
        let back: Double = FaceScene.backCut * (1 - w) * (1 - w)
        let e = across + along + back
        return e > 40 ? nil : (u, v, w, e)
    }

    /// ρ(d) alone, the same arithmetic as `radius(_:mask:)` without the gradient: the
    /// root search along a ray evaluates it many times per pixel.
    func radiusValue(_ d: SIMD3<Double>, mask: UInt64) -> Double {
        let inv2 = 1 / (semiAxes * semiAxes)
        let q = (d * d * inv2).sum()
        var rho = 1 / q.squareRoot()
        for (i, b) in bumps.enumerated() where mask & (1 << UInt64(i)) != 0 {
            guard let x = FaceScene.exponent(d, b) else { continue }
            rho += b.amplitude * exp(-x.e)
        }
        return rho
    }

    func g(_ p: SIMD3<Double>, mask: UInt64 = .max) -> Double {
        let q = p - centre
        let r = length(q)
        return r - radiusValue(q / r, mask: mask)
    }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        intersect(origin: origin, direction: direction, near: .nan)
    }

    public func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>, near: Double) -> SurfaceHit? {
        guard let outer = raySphere(origin: origin, direction: direction, centre: centre, radius: outerRadius),
              outer.exit > 0 else { return nil }
        let start = max(outer.enter, 0)
        var end = outer.exit
        if let inner = raySphere(origin: origin, direction: direction, centre: centre, radius: innerRadius), inner.enter > start {
            end = inner.enter
        }
        // Bumps whose value (6 widths: below 1e-7 of A beyond) or slope (4.5 widths) can
        // reach the arc of directions this segment sweeps from the centre.
        let d0 = normalize(origin + start * direction - centre), d1 = normalize(origin + end * direction - centre)
        var slope = ellipsoidSlope
        var mask: UInt64 = 0
        let n = cross(d0, d1)
        let nn = length(n)
        for (i, b) in bumps.enumerated() {
            func within(_ limit: (cos: Double, sin: Double)) -> Bool {
                if max(dot(b.axis, d0), dot(b.axis, d1)) >= limit.cos { return true }
                guard nn > 1e-12 else { return false }
                let m = n / nn
                let ap = b.axis - dot(b.axis, m) * m
                return dot(cross(d0, ap), m) >= 0 && dot(cross(ap, d1), m) >= 0 && dot(ap, d0 + d1) > 0
                    && abs(dot(b.axis, m)) <= limit.sin
            }
            if within(reach[i]) {
                mask |= 1 << UInt64(i)
                if within(influence[i]) { slope += bumpSlope[i] }
            }
        }
        func along(_ s: Double) -> Double { g(origin + s * direction, mask: mask) }
        func withSlope(_ t: Double) -> (Double, Double) {
            let q = origin + t * direction - centre
            let r = length(q)
            let d = q / r
            let (rho, grad) = radius(d, mask: mask)
            let gradient = d - (grad - dot(grad, d) * d) / r
            return (r - rho, dot(gradient, direction))
        }
        var s: Double?
        if near.isFinite { s = warmRoot(near: near, start: start, end: end, withSlope) }
        if s == nil {
            let relative = slope / innerRadius
            let qe = origin + end * direction - centre
            let radialEnd = dot(direction, qe) / length(qe)
            // As for the mounds: d·q̂ grows along the ray; one root when g' < 0 at the end.
            if radialEnd + (max(0, 1 - radialEnd * radialEnd)).squareRoot() * relative < 0 {
                s = monotoneRoot(start, end, withSlope)
            } else {
                let localL = 1.1 * (1 + relative * relative).squareRoot()
                s = firstRoot(from: start, to: end, lipschitz: localL, minStep: 0.25, along)
            }
        }
        guard let s else { return nil }
        let p = origin + s * direction
        return SurfaceHit(distance: s, point: p, normal: normal(at: p))
    }

    /// Outward unit normal: ∇g = d − (I − d dᵀ) ∇ρ / |q|.
    func normal(at p: SIMD3<Double>) -> SIMD3<Double> {
        let q = p - centre
        let r = length(q)
        let d = q / r
        let grad = radius(d).gradient
        let tangential = grad - dot(grad, d) * d
        return normalize(d - tangential / r)
    }

    /// The surface point in direction d (unit) from the centre.
    public func point(direction d: SIMD3<Double>) -> SIMD3<Double> { centre + radius(d).rho * d }

    public var truth: JSONValue {
        let (volume, area) = FaceScene.quadrature(self)
        return .object([
            ("scene", "face"),
            ("parameters", .object([
                ("centre", .numbers([centre.x, centre.y, centre.z])),
                ("semiAxes", .numbers([semiAxes.x, semiAxes.y, semiAxes.z])),
                ("bumps", .array(bumps.map { b in
                    .object([("name", .string(b.name)), ("axis", .numbers([b.axis.x, b.axis.y, b.axis.z])),
                             ("amplitude", .number(b.amplitude)), ("widthAcross", .number(b.widthAcross)),
                             ("widthAlong", .number(b.widthAlong))])
                })),
                ("surface", "rho(d) = ellipsoid radius + sum A exp(-(u^2/(2 su^2) + v^2/(2 sv^2) + 40 (1 - w)^2))"),
            ])),
            ("areas", .array([.object([("name", "surface"), ("mm2", .number(area)), ("method", "Gauss–Legendre × trapezoid quadrature over directions (400×800)")])])),
            ("volumes", .array([.object([("name", "enclosed"), ("mm3", .number(volume)), ("method", "quadrature of rho^3/3 over directions (400×800)")])])),
        ])
    }

    /// Enclosed volume ∫ρ³/3 dΩ and area ∫|∂P/∂θ × ∂P/∂φ| dθ dφ by Gauss–Legendre in the
    /// polar angle and the trapezoid rule (spectrally accurate for periodic integrands) in
    /// the azimuth, the pole along x (away from the face's features).
    static func quadrature(_ face: FaceScene, polar: Int = 400, azimuthal: Int = 800) -> (volume: Double, area: Double) {
        let (nodes, weights) = gaussLegendre(polar)
        var volume = 0.0, area = 0.0
        let dPhi = 2 * Double.pi / Double(azimuthal)
        for (t, wt) in zip(nodes, weights) {
            let theta = 0.5 * .pi * (t + 1), wTheta = 0.5 * .pi * wt
            let st = sin(theta), ct = cos(theta)
            for j in 0..<azimuthal {
                let phi = Double(j) * dPhi
                let d = SIMD3(ct, st * cos(phi), st * sin(phi))
                let rho = face.radius(d).rho
                volume += rho * rho * rho / 3 * st * wTheta * dPhi
                // ∂d/∂θ and ∂d/∂φ; P = c + ρ d, ∂P = ∂ρ d + ρ ∂d with ∂ρ = ∇ρ · ∂d.
                let dTheta = SIMD3(-st, ct * cos(phi), ct * sin(phi))
                let dPhiVec = SIMD3(0, -st * sin(phi), st * cos(phi))
                let grad = face.radius(d).gradient
                let pTheta = dot(grad, dTheta) * d + rho * dTheta
                let pPhi = dot(grad, dPhiVec) * d + rho * dPhiVec
                area += length(cross(pTheta, pPhi)) * wTheta * dPhi
            }
        }
        return (volume, area)
    }

    public func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] {
        var g = SplitMix(seed: seed)
        return (0..<count).map { _ in
            // Directions over the front of the face.
            let a = g.uniform(-60, 60) * .pi / 180, e = g.uniform(-50, 40) * .pi / 180
            return point(direction: SIMD3(cos(e) * sin(a), -sin(e), -cos(e) * cos(a)))
        }
    }
}

/// Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n; exact for degree 2n − 1).
func gaussLegendre(_ n: Int) -> (nodes: [Double], weights: [Double]) {
    var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
    for i in 0..<((n + 1) / 2) {
        var x = cos(.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
        var dp = 0.0
        for _ in 0..<100 {
            var p0 = 1.0, p1 = x
            for k in 2...max(n, 2) {
                let p2 = ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)
                p0 = p1; p1 = p2
            }
            if n == 1 { p1 = x; p0 = 1 }
            dp = Double(n) * (x * p1 - p0) / (x * x - 1)
            let dx = p1 / dp
            x -= dx
            if abs(dx) < 1e-15 { break }
        }
        nodes[i] = -x; nodes[n - 1 - i] = x
        weights[i] = 2 / ((1 - x * x) * dp * dp); weights[n - 1 - i] = weights[i]
    }
    return (nodes, weights)
}
