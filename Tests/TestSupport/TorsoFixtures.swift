import Foundation
import Surface
import Synthesis

/// Torsos with breast-like mounds for the chest-wall base (issue 19): the scenes, their skin
/// as an exact mesh, loops round a mound, and the true volume above the chest wall (the
/// torso's cylinder) inside a loop. Subject frame, mm.
public enum TorsoFixtures {
    /// Two mounds `separation` σ apart (σ 25 mm, 35 mm high, on a 150 mm torso), or one.
    public static func scene(separation: Double?, radius: Double = 150) -> MoundsScene {
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

    /// The skin as an exact mesh: a (θ, y) grid `step` mm apart on the cylinder, faces
    /// facing out.
    public static func mesh(_ scene: MoundsScene, step: Double = 1) -> TriangleMesh {
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

    /// 24 named skin points round mound `k` at `sigmas` σ, stopped short of the midline to a
    /// neighbouring mound (5 mm before it) where the ellipse would cross it.
    public static func loop(_ scene: MoundsScene, mound k: Int, sigmas: Double) -> [(name: String, point: SIMD3<Double>)] {
        let m = scene.mounds[k], r = scene.radius
        let others = scene.mounds.indices.filter { $0 != k }.map { scene.mounds[$0] }
        return (0..<24).map { n in
            let a = 2 * Double.pi * Double(n) / 24
            var theta = m.theta + sigmas * m.sigma * cos(a) / r
            for o in others {
                let mid = (m.theta + o.theta) / 2, margin = 5 / r
                if o.theta > m.theta { theta = min(theta, mid - margin) } else { theta = max(theta, mid + margin) }
            }
            return ("\(m.name)-\(n)", scene.skinPoint(theta: theta, y: m.y + sigmas * m.sigma * sin(a)))
        }
    }

    /// The true volume between skin and cylinder inside `boundary` (a region's traced loop,
    /// subject frame): ∫∫ (R h + h²/2) dθ dy over the loop's polygon in (θ, y), on a 0.25 mm grid.
    public static func volumeAboveChestWall(_ scene: MoundsScene, inside boundary: [SIMD3<Double>]) -> Double {
        let r = scene.radius
        let polygon = boundary.map { SIMD2(atan2($0.x, -$0.z), $0.y) }
        let y0 = polygon.map(\.y).min()!, y1 = polygon.map(\.y).max()!
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
                    if t > xs[p] {
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
}
