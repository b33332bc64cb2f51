import Foundation
import Imaging
import Surface

/// Signed distances drawn on a mesh (a pre/post change, an asymmetry): blue for in, white
/// for none, red for out, saturating at ± `range` mm; a picture of it gets a colour bar with
/// its range printed, so that the colours can be read as millimetres.
public enum HeatMap {
    /// The colour of each distance (mm): white at 0 fading to pure red at +range and pure
    /// blue at −range; grey where the distance is unknown (no overlap).
    public static func colours(_ distances: [Double], range: Double) -> [SIMD3<UInt8>] {
        distances.map { d in
            guard d.isFinite else { return SIMD3<UInt8>(128, 128, 128) }
            let t = min(max(d / range, -1), 1)
            let fade = UInt8((255 * (1 - abs(t))).rounded())
            return t >= 0 ? SIMD3(255, fade, fade) : SIMD3(fade, fade, 255)
        }
    }

    /// The mesh coloured by `distances` (one per vertex), seen from `view`, with a colour bar
    /// on the right labelled +range, 0 and −range mm.
    public static func picture(_ mesh: TriangleMesh, distances: [Double], range: Double, from view: RenderCamera) -> Image<UInt8> {
        var coloured = mesh
        coloured.colors = colours(distances, range: range)
        let render = Rasterizer.render(coloured, from: view, colouring: .vertex)
        return withColourBar(render.image, range: range)
    }

    /// `image` with a colour bar added on its right: the ramp from +range (top) to −range
    /// (bottom), and its three values written beside it.
    static func withColourBar(_ image: Image<UInt8>, range: Double) -> Image<UInt8> {
        let scale = max(1, image.height / 300), barWidth = 12 * scale, labelWidth = 7 * 6 * scale, margin = 8 * scale
        let w = image.width + margin + barWidth + margin + labelWidth + margin, h = image.height
        var out = Image<UInt8>(width: w, height: h, layout: .rgb, repeating: 255)
        for y in 0..<h {
            for x in 0..<image.width {
                for c in 0..<3 { out.pixels[(y * w + x) * 3 + c] = image.pixels[(y * image.width + x) * 3 + c] }
            }
        }
        let top = h / 10, bottom = h - h / 10, left = image.width + margin
        for y in top...bottom {
            let d = range * (1 - 2 * Double(y - top) / Double(bottom - top))
            let colour = colours([d], range: range)[0]
            for x in left..<(left + barWidth) { for c in 0..<3 { out.pixels[(y * w + x) * 3 + c] = colour[c] } }
        }
        let text = left + barWidth + margin, digits = range >= 10 ? 0 : range >= 1 ? 1 : 2
        for (y, value) in [(top, range), ((top + bottom) / 2, 0.0), (bottom, -range)] {
            let label = (value > 0 ? "+" : "") + String(format: "%.\(digits)f", value) + " mm"
            draw(label, into: &out, x: text, y: y - 3 * scale, scale: scale)
        }
        return out
    }

    /// Writes `text` in a 5 × 7 pixel font (digits, + − . m and space), `scale` × larger.
    static func draw(_ text: String, into image: inout Image<UInt8>, x: Int, y: Int, scale: Int) {
        var pen = x
        for ch in text {
            let rows = glyphs[ch] ?? glyphs[" "]!
            for (r, bits) in rows.enumerated() {
                for col in 0..<5 where bits & (0x10 >> UInt8(col)) != 0 {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            let px = pen + col * scale + dx, py = y + r * scale + dy
                            guard px >= 0, py >= 0, px < image.width, py < image.height else { continue }
                            for c in 0..<3 { image.pixels[(py * image.width + px) * 3 + c] = 0 }
                        }
                    }
                }
            }
            pen += 6 * scale
        }
    }

    static let glyphs: [Character: [UInt8]] = [
        "0": [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], "1": [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "2": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], "3": [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        "4": [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], "5": [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        "6": [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], "7": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        "8": [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], "9": [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        ".": [0, 0, 0, 0, 0, 0x0C, 0x0C], "-": [0, 0, 0, 0x1F, 0, 0, 0], "+": [0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0],
        "m": [0, 0, 0x1A, 0x15, 0x15, 0x11, 0x11], " ": [0, 0, 0, 0, 0, 0, 0],
    ]
}
