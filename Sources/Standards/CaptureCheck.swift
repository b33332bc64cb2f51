import Foundation
import Imaging
import Interchange

/// What one photograph shows of the capture standards, measured in its own pixels. The
/// backdrop is modelled from the frame's left, right and top bands (`BackdropModel`); the
/// subject is what differs from it — within the central box for exposure, focus and colour,
/// and along the frame's borders for framing. Every figure is a ratio or a fraction, so none
/// depends on the image's size or exposure.
public struct ImageMeasures: Sendable {
    public var camera: String
    public var width: Int, height: Int
    /// Mean squared Laplacian of luminance over its variance, on the subject box: how much
    /// of the picture's contrast is at the pixel scale (gain-free).
    public var sharpness: Double
    /// The share of the subject's blocks (about 1/128 of the frame's shorter side) at least
    /// half blown white (every channel at 250 or more), and at least half crushed black
    /// (luminance 5 or less). One channel at its limit is a colour's edge, and one pixel a
    /// glint or a pore, not lost detail.
    public var clipped: Double, crushed: Double
    /// Mean luminance of the subject (0…255), and the mean colour of its unclipped pixels
    /// (nil when all are clipped): the skin is the same skin in every camera, so its
    /// grey-world balance compares their white balance whatever the backdrop.
    public var subjectLuminance: Double
    public var subjectColour: SIMD3<Double>?
    /// The backdrop bands' median colour over their unclipped pixels (0…255; nil when nearly
    /// all are clipped), and their luminance's interquartile range over its median.
    public var backdrop: SIMD3<Double>?
    public var backdropVariation: Double
    public var isColour: Bool
    /// Whether the subject stands out from the backdrop (at least 5 % of the frame differs
    /// from it): then exposure and colour are measured on the subject's pixels only (a dark
    /// backdrop is not crushed skin) and the borders can be checked.
    public var segmented: Bool
    /// The share of each border (left, right, top, bottom) along which the subject reaches
    /// into the frame's outer `borderMargin`: 0 when backdrop surrounds it there.
    public var borderContact: [String: Double]

    /// Fraction of the frame's width or height the backdrop bands take, and the subject box.
    static let band = 0.06
    static let subjectBox = (x: 0.4...0.6, y: 0.3...0.7)
    /// The margin kept clear along a border, as a fraction of the frame's width or height.
    public static let borderMargin = 0.02

    public init(_ image: Image<UInt8>, camera: String) {
        self.camera = camera; width = image.width; height = image.height
        isColour = image.layout.channels >= 3
        let pixels = PixelReader(image)
        let model = BackdropModel(pixels, band: Self.band)
        let box = SubjectStatistics(pixels, box: Self.subjectBox, model: model)
        segmented = box.segmented
        sharpness = box.sharpness
        clipped = box.clipped; crushed = box.crushed
        subjectLuminance = box.luminance
        subjectColour = box.colour
        backdrop = model.unclippedMedian
        backdropVariation = model.variation
        borderContact = segmented ? model.borderContact(pixels, margin: Self.borderMargin) : [:]
    }
}

/// An 8-bit image's pixels as RGB (grey repeated) and luminance.
struct PixelReader {
    let image: Image<UInt8>
    let channels: Int, width: Int, height: Int
    init(_ image: Image<UInt8>) { self.image = image; channels = image.layout.channels; width = image.width; height = image.height }
    func rgb(_ i: Int) -> SIMD3<Double> {
        channels >= 3 ? SIMD3(Double(image.pixels[i * channels]), Double(image.pixels[i * channels + 1]), Double(image.pixels[i * channels + 2]))
            : SIMD3(repeating: Double(image.pixels[i * channels]))
    }
    func luma(_ v: SIMD3<Double>) -> Double { 0.299 * v.x + 0.587 * v.y + 0.114 * v.z }
    func luma(_ i: Int) -> Double { luma(rgb(i)) }
}

/// The subject's statistics. When it stands out from the backdrop (at least 5 % of the
/// frame's blocks differ from it), over those blocks wherever they are in the frame (every
/// second pixel of every second row); else over the whole central box. Sharpness is always the
/// central box's, the same region in every camera.
struct SubjectStatistics {
    var segmented = false
    var sharpness = 0.0, clipped = 0.0, crushed = 0.0, luminance = 0.0
    var colour: SIMD3<Double>?

    init(_ p: PixelReader, box: (x: ClosedRange<Double>, y: ClosedRange<Double>), model: BackdropModel) {
        let w = p.width, h = p.height
        let x0 = max(Int(box.x.lowerBound * Double(w)), 1), x1 = min(Int(box.x.upperBound * Double(w)), w - 1)
        let y0 = max(Int(box.y.lowerBound * Double(h)), 1), y1 = min(Int(box.y.upperBound * Double(h)), h - 1)
        var lap = 0.0, boxSum = 0.0, boxSumSq = 0.0, inBox = 0
        for y in y0..<y1 {
            for x in x0..<x1 {
                let i = y * w + x, l = p.luma(i)
                let d = p.luma(i - 1) + p.luma(i + 1) + p.luma(i - w) + p.luma(i + w) - 4 * l
                lap += d * d; boxSum += l; boxSumSq += l * l; inBox += 1
            }
        }
        let boxMean = boxSum / Double(max(inBox, 1)), variance = max(boxSumSq / Double(max(inBox, 1)) - boxMean * boxMean, 1e-9)
        sharpness = lap / Double(max(inBox, 1)) / variance
        // The subject as blocks (about 1/128 of the shorter side): a block is subject when a
        // quarter of its pixels differ from the backdrop, so that a textured subject's pixels
        // that happen to match the backdrop's colour still count as subject.
        let side = max(2, min(w, h) / 128), columns = w / side, rows = h / side
        var blocks = [Bool](repeating: false, count: columns * rows)
        for by in 0..<rows {
            for bx in 0..<columns {
                var differing = 0, n = 0
                for y in stride(from: by * side, to: (by + 1) * side, by: 2) {
                    for x in stride(from: bx * side, to: (bx + 1) * side, by: 2) { n += 1; if model.isSubject(p.rgb(y * w + x)) { differing += 1 } }
                }
                blocks[by * columns + bx] = 4 * differing >= n
            }
        }
        segmented = blocks.filter { $0 }.count * 20 >= blocks.count
        let grid = (side: side, columns: columns, rows: rows)
        if segmented {
            accumulate(p, grid) { blocks[$1 * columns + $0] }
        } else {
            accumulate(p, grid) { bx, by in (x0..<x1).contains(bx * side + side / 2) && (y0..<y1).contains(by * side + side / 2) }
        }
    }

    /// Luminance, clipping and the unclipped pixels' mean colour over the blocks `take` keeps
    /// (every second pixel of every second row). Clipped and crushed are shares of blocks at
    /// least half lost: lost detail is an area, not a specular glint or a dark pore.
    mutating func accumulate(_ p: PixelReader, _ grid: (side: Int, columns: Int, rows: Int), take: (Int, Int) -> Bool) {
        var sum = 0.0, n = 0, skin = SIMD3<Double>.zero, skinCount = 0, blocks = 0, clippedBlocks = 0, crushedBlocks = 0
        for by in 0..<grid.rows {
            for bx in 0..<grid.columns where take(bx, by) {
                var inBlock = 0, clippedCount = 0, crushedCount = 0
                for y in stride(from: by * grid.side, to: (by + 1) * grid.side, by: 2) {
                    for x in stride(from: bx * grid.side, to: (bx + 1) * grid.side, by: 2) {
                        let v = p.rgb(y * p.width + x), l = p.luma(v)
                        sum += l; n += 1; inBlock += 1
                        if v.min() >= 250 { clippedCount += 1 }
                        if l <= 5 { crushedCount += 1 }
                        if v.max() < 250, l > 5 { skin += v; skinCount += 1 }
                    }
                }
                blocks += 1
                if 2 * clippedCount >= inBlock { clippedBlocks += 1 }
                if 2 * crushedCount >= inBlock { crushedBlocks += 1 }
            }
        }
        clipped = Double(clippedBlocks) / Double(max(blocks, 1)); crushed = Double(crushedBlocks) / Double(max(blocks, 1))
        luminance = sum / Double(max(n, 1))
        colour = skinCount > n / 10 ? skin / Double(skinCount) : nil
    }
}

/// The backdrop as the frame's left, right and top bands show it. The plainest band (the
/// least spread of colour: a subject reaching into a band, cut by a border, is not plain)
/// gives the backdrop's colour and how far a pixel may stray from it and still be backdrop —
/// six robust standard deviations (vignetting, an uneven light), never less than 24 grey
/// levels (noise, JPEG). The backdrop check then looks at the bands' backdrop pixels only.
struct BackdropModel {
    var median: SIMD3<Double>
    var tolerance: Double
    /// The bands' backdrop pixels: their median colour over the unclipped ones (nil when
    /// nearly all are clipped), and their luminance's interquartile range over its median.
    var unclippedMedian: SIMD3<Double>?
    var variation: Double

    init(_ p: PixelReader, band: Double) {
        let w = p.width, h = p.height, bx = max(Int(band * Double(w)), 1), by = max(Int(band * Double(h)), 1)
        let bands: [(x: Range<Int>, y: Range<Int>)] = [(0..<bx, 0..<h), (w - bx..<w, 0..<h), (0..<w, 0..<by)]
        func each(_ b: (x: Range<Int>, y: Range<Int>), _ body: (SIMD3<Double>) -> Void) {
            for y in b.y { for x in b.x { body(p.rgb(y * w + x)) } }
        }
        // Each band's median colour and its spread (median of the largest channel deviation).
        var reference = (median: SIMD3<Double>.zero, spread: Double.infinity)
        for b in bands {
            var histograms = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 3), n = 0
            each(b) { v in for k in 0..<3 { histograms[k][Int(v[k])] += 1 }; n += 1 }
            let m = SIMD3(Self.quantile(histograms[0], 0.5, of: n), Self.quantile(histograms[1], 0.5, of: n), Self.quantile(histograms[2], 0.5, of: n))
            var deviations = [Int](repeating: 0, count: 256)
            each(b) { v in deviations[Int(Self.deviation(v, m))] += 1 }
            let spread = Self.quantile(deviations, 0.5, of: n)
            if spread < reference.spread { reference = (m, spread) }
        }
        median = reference.median
        tolerance = max(24, 6 * 1.4826 * reference.spread)
        // The backdrop check's figures, over the bands' pixels that are backdrop.
        var unclipped = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 3), luma = [Int](repeating: 0, count: 256)
        var count = 0, total = 0
        for y in 0..<h {
            for x in 0..<w where x < bx || x >= w - bx || y < by {
                let v = p.rgb(y * w + x)
                guard Self.deviation(v, reference.median) <= tolerance else { continue }
                luma[Int(p.luma(v).rounded())] += 1; total += 1
                if v.max() < 250 { for k in 0..<3 { unclipped[k][Int(v[k])] += 1 }; count += 1 }
            }
        }
        unclippedMedian = count > total / 10 && total > 0
            ? SIMD3(Self.quantile(unclipped[0], 0.5, of: count), Self.quantile(unclipped[1], 0.5, of: count), Self.quantile(unclipped[2], 0.5, of: count)) : nil
        let middle = Self.quantile(luma, 0.5, of: total)
        variation = middle > 0 ? (Self.quantile(luma, 0.75, of: total) - Self.quantile(luma, 0.25, of: total)) / middle : 0
    }

    func isSubject(_ v: SIMD3<Double>) -> Bool { Self.deviation(v, median) > tolerance }

    /// The largest channel difference (grey levels).
    static func deviation(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
        let d = a - b
        return max(Swift.abs(d.x), Swift.abs(d.y), Swift.abs(d.z))
    }

    /// For each border, the share of its length where at least half of the outer `margin`
    /// strip is subject.
    func borderContact(_ p: PixelReader, margin: Double) -> [String: Double] {
        let w = p.width, h = p.height, mx = max(Int((margin * Double(w)).rounded(.up)), 1), my = max(Int((margin * Double(h)).rounded(.up)), 1)
        func touching(_ lines: Int, _ depth: Int, _ index: (Int, Int) -> Int) -> Double {
            var touched = 0
            for line in 0..<lines {
                var subject = 0
                for k in 0..<depth where isSubject(p.rgb(index(line, k))) { subject += 1 }
                if 2 * subject >= depth { touched += 1 }
            }
            return Double(touched) / Double(max(lines, 1))
        }
        return ["left": touching(h, mx) { y, k in y * w + k },
                "right": touching(h, mx) { y, k in y * w + w - 1 - k },
                "top": touching(w, my) { x, k in k * w + x },
                "bottom": touching(w, my) { x, k in (h - 1 - k) * w + x }]
    }

    static func quantile(_ histogram: [Int], _ q: Double, of n: Int) -> Double {
        var seen = 0
        for (value, k) in histogram.enumerated() { seen += k; if Double(seen) >= q * Double(n) { return Double(value) } }
        return 255
    }
}

/// One check's outcome (`trinocular.check/1`, docs/formats.md).
public struct CheckItem: Codable, Sendable {
    public enum Status: String, Codable, Sendable, Comparable {
        case pass, warn, fail
        var rank: Int { switch self { case .pass: 0; case .warn: 1; case .fail: 2 } }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }
    public var id: String
    @Null public var camera: String?
    public var status: Status
    public var value: Double?
    public var threshold: Double?
    public var message: String
}

/// The report of `trinocular check` for one capture.
public struct CheckReport: Codable, Sendable {
    public var format = "trinocular.check/1"
    public var `protocol`: String
    public var verdict: CheckItem.Status
    public var checks: [CheckItem]

    public init(protocol name: String, checks: [CheckItem]) {
        self.protocol = name; self.checks = checks
        verdict = checks.map(\.status).max() ?? .pass
    }
}
