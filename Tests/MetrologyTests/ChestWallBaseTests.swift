import Foundation
import LinearAlgebra
import Metrology
import Surface
import Synthesis
import TestSupport
import Testing

/// Issue 19: the chest wall under a breast, estimated from the skin round a surgeon's loop,
/// on exact meshes of torsos with Gaussian mounds (no reconstruction: the base alone). The
/// truth is the volume between the skin and the torso's cylinder inside the region's own
/// traced boundary.
@Suite(.enabled(if: releaseRun, "geodesic loops in a debug build take minutes: runs in scripts/test (release build)"))
struct ChestWallBaseTests {
    let figures = ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil

    /// A torso case: the scene and the loops drawn on it.
    struct Case: CustomStringConvertible {
        var name: String
        var scene: MoundsScene
        /// Loops: the mound and the loop's radius in σ (stopped short of the midline between
        /// two mounds, where the skin never returns to the chest wall).
        var loops: [(mound: Int, sigmas: Double)]
        var description: String { name }
    }

    /// Two mounds `separation` σ apart (σ 25 mm, 35 mm high, on a 150 mm torso), or one.
    static func scene(separation: Double?, radius: Double = 150) -> MoundsScene {
        let sigma = 25.0
        guard let separation else {
            return MoundsScene(radius: radius, mounds: [MoundsScene.Mound(name: "right", theta: 0, y: 20, amplitude: 35, sigma: sigma)])
        }
        let half = separation * sigma / 2 / radius
        return MoundsScene(radius: radius, mounds: [
            MoundsScene.Mound(name: "right", theta: -half, y: 20, amplitude: 35, sigma: sigma),
            MoundsScene.Mound(name: "left", theta: half, y: 20, amplitude: 35, sigma: sigma),
        ])
    }

    static let cases: [Case] = [
        Case(name: "one mound, loop 3σ", scene: scene(separation: nil), loops: [(0, 3)]),
        Case(name: "one mound, loop 2.5σ", scene: scene(separation: nil), loops: [(0, 2.5)]),
        Case(name: "one mound, loop 4σ", scene: scene(separation: nil), loops: [(0, 4)]),
        Case(name: "mounds 4σ apart, loops 3σ", scene: scene(separation: 4), loops: [(0, 3), (1, 3)]),
        Case(name: "mounds 4.5σ apart, loops 3σ", scene: scene(separation: 4.5), loops: [(0, 3), (1, 3)]),
        Case(name: "mounds 5.9σ apart, loops 3σ", scene: scene(separation: 5.9), loops: [(0, 3), (1, 3)]),
    ]

    /// The skin as an exact mesh: a (θ, y) grid `step` mm apart on the cylinder, faces
    /// facing out.
    static func mesh(_ scene: MoundsScene, step: Double = 1) -> TriangleMesh {
        let r = scene.radius, thetaHalf = 230 / r, yLow = -180.0, yHigh = 220.0
        let nt = Int((2 * thetaHalf * r / step).rounded()), ny = Int(((yHigh - yLow) / step).rounded())
        var vertices: [SIMD3<Double>] = [], faces: [SIMD3<Int32>] = []
        for j in 0...ny {
            for i in 0...nt {
                vertices.append(scene.skinPoint(theta: -thetaHalf + 2 * thetaHalf * Double(i) / Double(nt), y: yLow + (yHigh - yLow) * Double(j) / Double(ny)))
            }
        }
        func id(_ i: Int, _ j: Int) -> Int32 { Int32(j * (nt + 1) + i) }
        // (θ, y) → outward needs ∂θ × ∂y to point out: it points in, so the faces go y first.
        for j in 0..<ny {
            for i in 0..<nt {
                faces.append(SIMD3(id(i, j), id(i, j + 1), id(i + 1, j + 1)))
                faces.append(SIMD3(id(i, j), id(i + 1, j + 1), id(i + 1, j)))
            }
        }
        return TriangleMesh(vertices: vertices, faces: faces)
    }

    /// 24 landmarks round mound `k` at `sigmas` σ on the skin, stopped short of the midline
    /// to a neighbouring mound (5 mm before it) where the ellipse would cross it.
    static func loop(_ scene: MoundsScene, mound k: Int, sigmas: Double, on mesh: TriangleMesh) -> [Landmarks.Landmark] {
        let m = scene.mounds[k], r = scene.radius
        let others = scene.mounds.indices.filter { $0 != k }.map { scene.mounds[$0] }
        return (0..<24).map { n in
            let a = 2 * Double.pi * Double(n) / 24
            var theta = m.theta + sigmas * m.sigma * cos(a) / r
            for o in others {
                let mid = (m.theta + o.theta) / 2, margin = 5 / r
                if o.theta > m.theta { theta = min(theta, mid - margin) } else { theta = max(theta, mid + margin) }
            }
            let y = m.y + sigmas * m.sigma * sin(a)
            return Landmarks.Landmark(name: "\(m.name)-\(n)", nearest: scene.skinPoint(theta: theta, y: y), on: mesh)
        }
    }

    /// The true volume between skin and cylinder inside `boundary` (the region's traced
    /// loop): ∫∫ (R h + h²/2) dθ dy over the loop's polygon in (θ, y), on a 0.25 mm grid.
    static func truth(_ scene: MoundsScene, boundary: [SIMD3<Double>]) -> Double {
        let r = scene.radius
        let polygon = boundary.map { SIMD2(atan2($0.x, -$0.z), $0.y) }
        let t0 = polygon.map(\.x).min()!, t1 = polygon.map(\.x).max()!, y0 = polygon.map(\.y).min()!, y1 = polygon.map(\.y).max()!
        let dt = 0.25 / r, dy = 0.25
        var volume = 0.0
        var y = y0 + dy / 2
        while y < y1 {
            // Crossings of this row with the polygon's edges: inside between pairs.
            var xs: [Double] = []
            for k in polygon.indices {
                let a = polygon[k], b = polygon[(k + 1) % polygon.count]
                if (a.y <= y) != (b.y <= y) { xs.append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)) }
            }
            xs.sort()
            for p in stride(from: 0, to: xs.count - 1, by: 2) {
                var t = (xs[p] / dt).rounded(.down) * dt + dt / 2
                while t < xs[p + 1] {
                    if t > xs[p], t >= t0, t <= t1 {
                        let h = scene.skinHeight(theta: t, y: y)
                        volume += (r * h + h * h / 2) * dt * dy
                    }
                    t += dt
                }
            }
            y += dy
        }
        return volume
    }

    /// Each case's regions against the truth, on the exact mesh and with the band's skin
    /// moved along its normals by Gaussian noise of 0.1 mm (a reconstructed mesh's order).
    /// Loops at 3σ and wider: within the 2 %; at 2.5σ (a loop drawn up on the
    /// breast) within 4 % (the former base: −8.2 %). And the stated uncertainty covers the
    /// error at 2σ with the surface term set to the noise actually there (none inside the
    /// region): on the exact mesh the base's own term alone must.
    @Test(arguments: cases)
    func regionVolumesAgainstTheTrueChestWall(_ c: Case) throws {
        let mesh = Self.mesh(c.scene)
        for (k, sigmas) in c.loops {
            var region = try mesh.region(loop: Self.loop(c.scene, mound: k, sigmas: sigmas, on: mesh))
            let truth = Self.truth(c.scene, boundary: region.boundary), exact = region.surroundingPoints
            for noise in [0.0, 0.1] {
                var random = SplitMix(seed: 7)
                region.surroundingPoints = zip(exact, region.surroundingNormals).map { $0 + $1 * noise * random.gaussian() }
                let measured = try RegionVolume(region, model: .quadric, errors: ErrorModel(surfaceNoise: 0))
                let v = measured.volume, error = v / truth - 1
                if figures {
                    print(String(format: "FIGURE chest wall %@, %@ at %.1fσ, band noise %.2f mm: %.0f ± %.0f mm³ (base) vs %.0f (%+.2f %%, %.2f σ), base RMS %.3f mm on %d points",
                                 c.name, c.scene.mounds[k].name, sigmas, noise, v, measured.baseTerm, truth, 100 * error,
                                 abs(v - truth) / measured.baseTerm, measured.base.rms, measured.base.points))
                }
                #expect(abs(error) <= (sigmas >= 3 ? 0.02 : 0.04), "\(c.name), \(c.scene.mounds[k].name), noise \(noise) mm: \(v) mm³ vs \(truth)")
                #expect(abs(v - truth) <= 2 * measured.uncertainty, "\(c.name), \(c.scene.mounds[k].name), noise \(noise) mm: \(v) ± \(measured.uncertainty) mm³ vs \(truth)")
            }
        }
    }
}
