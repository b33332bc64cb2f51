import Foundation
import Interchange
import LinearAlgebra
import Synthesis
import TestSupport
import Testing

/// True areas and volumes in the truth files agree with closed forms (1e-6 relative) and
/// with independent numerical integration (0.1 %), computed here from the parameters.
@Suite struct TruthTests {
    static func number(_ truth: JSONValue, _ kind: String, _ index: Int = 0) -> Double? {
        truth[kind]?.array?[index]["mm3"]?.number ?? truth[kind]?.array?[index]["mm2"]?.number
    }

    @Test func sphereClosedForms() throws {
        let truth = SceneName.sphere.make(seed: 1).truth
        let r = try #require(truth["parameters"]?["radius"]?.number)
        #expect(isApproximatelyEqual(Self.number(truth, "volumes")!, 4.0 / 3.0 * Double.pi * pow(r, 3), relative: 1e-6))
        #expect(isApproximatelyEqual(Self.number(truth, "areas")!, 4 * Double.pi * r * r, relative: 1e-6))
    }

    /// Ellipsoid area by 2-D Gauss–Legendre quadrature of |∂P/∂θ × ∂P/∂φ|.
    static func ellipsoidAreaByQuadrature(_ a: Double, _ b: Double, _ c: Double, n: Int = 200) -> Double {
        // Gauss–Legendre nodes by Newton on Legendre polynomials (test's own copy).
        var nodes: [Double] = [], weights: [Double] = []
        for i in 0..<n {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5)), dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in 2...n { let p2 = ((2 * Double(k) - 1) * x * p1 - Double(k - 1) * p0) / Double(k); p0 = p1; p1 = p2 }
                dp = Double(n) * (x * p1 - p0) / (x * x - 1)
                let dx = p1 / dp; x -= dx
                if abs(dx) < 1e-16 { break }
            }
            nodes.append(x); weights.append(2 / ((1 - x * x) * dp * dp))
        }
        var area = 0.0
        for (u, wu) in zip(nodes, weights) {
            let theta = Double.pi / 2 * (u + 1)
            for (v, wv) in zip(nodes, weights) {
                let phi = Double.pi * (v + 1)
                let pt = SIMD3(a * cos(theta) * cos(phi), b * cos(theta) * sin(phi), -c * sin(theta))
                let pp = SIMD3(-a * sin(theta) * sin(phi), b * sin(theta) * cos(phi), 0)
                area += length(cross(pt, pp)) * wu * wv * (Double.pi / 2) * Double.pi
            }
        }
        return area
    }

    @Test func ellipsoidClosedForms() throws {
        let truth = SceneName.ellipsoid.make(seed: 3).truth
        let axes = try #require(truth["parameters"]?["semiAxes"]?.array).compactMap { $0.number }
        #expect(isApproximatelyEqual(Self.number(truth, "volumes")!, 4.0 / 3.0 * Double.pi * axes[0] * axes[1] * axes[2], relative: 1e-6))
        let quadrature = Self.ellipsoidAreaByQuadrature(axes[0], axes[1], axes[2])
        #expect(isApproximatelyEqual(Self.number(truth, "areas")!, quadrature, relative: 1e-6))
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE ellipsoid area rel diff \(abs(Self.number(truth, "areas")! / quadrature - 1))") }
        // The orientation is a rotation drawn from the seed.
        let r = try #require(truth["parameters"]?["orientation"]?.array).compactMap { $0.number }
        #expect(Rotation.orthonormalityError(Matrix3x3(rowMajor: r)) < 1e-12)
        #expect(SceneName.ellipsoid.make(seed: 4).truth != truth)
    }

    @Test func legendreAreaMatchesSpheroidClosedForms() {
        // Prolate (a > b = c) and oblate (a = b > c) spheroids have elementary areas.
        let a = 120.0, c = 70.0
        let e = (1 - c * c / (a * a)).squareRoot()
        let prolate = 2 * Double.pi * c * c * (1 + a / (c * e) * asin(e))
        #expect(isApproximatelyEqual(ellipsoidSurfaceArea(a, c, c), prolate, relative: 1e-12))
        let oblate = 2 * Double.pi * a * a * (1 + (1 - e * e) / e * atanh(e))
        #expect(isApproximatelyEqual(ellipsoidSurfaceArea(a, a, c), oblate, relative: 1e-12))
    }

    @Test func moundVolumesMatchNumericalIntegration() throws {
        let truth = SceneName.mounds.make(seed: 1).truth
        let r = try #require(truth["parameters"]?["baseCylinder"]?["radius"]?.number)
        let mounds = try #require(truth["parameters"]?["mounds"]?.array)
        #expect(mounds.count == 2)
        for (i, m) in mounds.enumerated() {
            let a = m["amplitude"]!.number!, sigma = m["sigma"]!.number!
            // ∫∫ (R h + h²/2) dθ dy over θ ∈ θᵢ ± π, y ∈ yᵢ ± 10σ, midpoint rule on a fine grid,
            // with h written out here from the parameters.
            let nt = 2400, ny = 1200
            let dTheta = 2 * Double.pi / Double(nt), dy = 20 * sigma / Double(ny)
            var volume = 0.0
            for it in 0..<nt {
                let u = r * (-Double.pi + (Double(it) + 0.5) * dTheta)
                for iy in 0..<ny {
                    let v = -10 * sigma + (Double(iy) + 0.5) * dy
                    let h = a * exp(-(u * u + v * v) / (2 * sigma * sigma))
                    volume += (r * h + h * h / 2) * dTheta * dy
                }
            }
            let stated = try #require(Self.number(truth, "volumes", i))
            #expect(isApproximatelyEqual(stated, volume, relative: 1e-3), "mound \(i): \(stated) vs \(volume)")
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE mound \(i) volume rel diff \(abs(stated / volume - 1))") }
        }
    }

    @Test func faceVolumeAndAreaMatchATriangleMesh() throws {
        let face = FaceScene()
        let truth = face.truth
        // An independent estimate: a triangulated latitude–longitude mesh of the surface
        // (pole along y this time), area Σ|triangles|, volume by the divergence theorem.
        let nt = 500, np = 1000
        func vertex(_ i: Int, _ j: Int) -> SIMD3<Double> {
            let theta = Double.pi * Double(i) / Double(nt), phi = 2 * Double.pi * Double(j) / Double(np)
            return face.point(direction: SIMD3(sin(theta) * cos(phi), cos(theta), sin(theta) * sin(phi)))
        }
        var area = 0.0, volume = 0.0
        var previous = (0...np).map { vertex(0, $0 % np) }
        for i in 1...nt {
            let row = (0...np).map { vertex(i, $0 % np) }
            for j in 0..<np {
                for (p0, p1, p2) in [(previous[j], row[j], row[j + 1]), (previous[j], row[j + 1], previous[j + 1])] {
                    let c = cross(p1 - p0, p2 - p0)
                    area += 0.5 * length(c)
                    volume += dot(p0 - face.centre, cross(p1 - face.centre, p2 - face.centre)) / 6
                }
            }
            previous = row
        }
        #expect(isApproximatelyEqual(Self.number(truth, "areas")!, area, relative: 1e-3))
        #expect(isApproximatelyEqual(Self.number(truth, "volumes")!, abs(volume), relative: 1e-3))
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE face area rel diff \(abs(Self.number(truth, "areas")! / area - 1)), volume \(abs(Self.number(truth, "volumes")! / abs(volume) - 1)), V \(Self.number(truth, "volumes")!) A \(Self.number(truth, "areas")!)") }
        // And a plausible head: 1.5–5 L.
        #expect((1.5e6...5e6).contains(Self.number(truth, "volumes")!))
    }
}
