import Foundation
import Geometry
import Imaging

/// Landmarks and measurement paths drawn over a render where the surface does not hide them:
/// a point is seen when it lies no deeper than the drawn surface at its pixel, give or take
/// three pixels' footprint at its distance (a landmark sits on the surface; the tolerance
/// scales with the picture, not with millimetres).
public enum Overlay {
    /// The pixel and depth of a world point (mm), and whether the surface leaves it visible.
    static func seen(_ x: SIMD3<Double>, in render: Render, view: RenderCamera) -> (SIMD2<Double>, Bool)? {
        let c = view.camFromWorld.apply(x)
        guard c.z > 0, let p = view.camera.project(cameraPoint: c) else { return nil }
        let w = render.image.width, h = render.image.height
        let i = Int(p.x.rounded()), j = Int(p.y.rounded())
        guard i >= 0, j >= 0, i < w, j < h else { return nil }
        let footprint = c.z / view.camera.intrinsics.fx
        return (p, c.z <= Double(render.depth[j * w + i]) + 3 * footprint)
    }

    /// Marks each visible point with a filled disc of `radius` px in `colour`, ringed in white.
    public static func mark(_ points: [SIMD3<Double>], on render: inout Render, view: RenderCamera, colour: SIMD3<UInt8>, radius: Int = 5) {
        for x in points {
            guard let (p, visible) = seen(x, in: render, view: view), visible else { continue }
            disc(at: p, radius: Double(radius) + 1.5, colour: SIMD3(255, 255, 255), on: &render.image)
            disc(at: p, radius: Double(radius), colour: colour, on: &render.image)
        }
    }

    /// Draws the visible stretches of a polyline (`closed`: back to its first point), `width` px wide.
    public static func polyline(_ points: [SIMD3<Double>], closed: Bool, on render: inout Render, view: RenderCamera,
                                colour: SIMD3<UInt8>, width: Double = 3) {
        guard points.count >= 2 else { return }
        let ends = closed ? points + [points[0]] : points
        for k in 1..<ends.count {
            // Sampled every half pixel along the segment as it projects.
            guard let (a, _) = seen(ends[k - 1], in: render, view: view), let (b, _) = seen(ends[k], in: render, view: view) else { continue }
            let steps = max(1, Int((length(b - a) * 2).rounded(.up)))
            for s in 0...steps {
                let t = Double(s) / Double(steps)
                let x = ends[k - 1] + t * (ends[k] - ends[k - 1])
                guard let (p, visible) = seen(x, in: render, view: view), visible else { continue }
                disc(at: p, radius: width / 2, colour: colour, on: &render.image)
            }
        }
    }

    static func disc(at p: SIMD2<Double>, radius: Double, colour: SIMD3<UInt8>, on image: inout Image<UInt8>) {
        let r = Int(radius.rounded(.up))
        for j in (Int(p.y.rounded()) - r)...(Int(p.y.rounded()) + r) where j >= 0 && j < image.height {
            for i in (Int(p.x.rounded()) - r)...(Int(p.x.rounded()) + r) where i >= 0 && i < image.width {
                let d = SIMD2(Double(i), Double(j)) - p
                guard (d * d).sum() <= radius * radius else { continue }
                let k = 3 * (j * image.width + i)
                image.pixels[k] = colour.x; image.pixels[k + 1] = colour.y; image.pixels[k + 2] = colour.z
            }
        }
    }
}

private func length(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }
