import Foundation
import Imaging
import Interchange

/// What one photograph shows of the capture standards, measured in its own pixels: the
/// subject is the central box of the frame, the backdrop the left, right and top bands.
/// Every figure is a ratio or a fraction, so none depends on the image's size or exposure.
public struct ImageMeasures: Sendable {
    public var camera: String
    public var width: Int, height: Int
    /// Mean squared Laplacian of luminance over its variance, on the subject box: how much
    /// of the picture's contrast is at the pixel scale (gain-free).
    public var sharpness: Double
    /// Subject pixels blown white (every channel at 250 or more), and crushed black
    /// (luminance 5 or less). One channel at its limit is a colour's edge, not lost detail.
    public var clipped: Double, crushed: Double
    /// Mean luminance of the subject box (0…255), and the mean colour of its unclipped
    /// pixels (nil when all are clipped): the skin is the same skin in every camera, so its
    /// grey-world balance compares their white balance whatever the backdrop.
    public var subjectLuminance: Double
    public var subjectColour: SIMD3<Double>?
    /// The backdrop bands' median colour over their unclipped pixels (0…255; nil when nearly
    /// all are clipped), and their luminance's interquartile range over its median.
    public var backdrop: SIMD3<Double>?
    public var backdropVariation: Double
    public var isColour: Bool

    /// Fraction of the frame's width or height the backdrop bands take, and the subject box.
    static let band = 0.06
    static let subjectBox = (x: 0.4...0.6, y: 0.3...0.7)

    public init(_ image: Image<UInt8>, camera: String) {
        self.camera = camera; width = image.width; height = image.height
        let c = image.layout.channels, w = image.width, h = image.height
        isColour = c >= 3
        func rgb(_ i: Int) -> SIMD3<Double> {
            c >= 3 ? SIMD3(Double(image.pixels[i * c]), Double(image.pixels[i * c + 1]), Double(image.pixels[i * c + 2])) : SIMD3(repeating: Double(image.pixels[i * c]))
        }
        func luma(_ v: SIMD3<Double>) -> Double { 0.299 * v.x + 0.587 * v.y + 0.114 * v.z }
        // The subject box: luminance statistics, clipping, the Laplacian.
        let x0 = Int(Self.subjectBox.x.lowerBound * Double(w)), x1 = Int(Self.subjectBox.x.upperBound * Double(w))
        let y0 = Int(Self.subjectBox.y.lowerBound * Double(h)), y1 = Int(Self.subjectBox.y.upperBound * Double(h))
        var sum = 0.0, sumSq = 0.0, lap = 0.0, clippedCount = 0, crushedCount = 0, n = 0, lapCount = 0
        var skin = SIMD3<Double>.zero, skinCount = 0
        for y in max(y0, 1)..<min(y1, h - 1) {
            for x in max(x0, 1)..<min(x1, w - 1) {
                let i = y * w + x, v = rgb(i), l = luma(v)
                sum += l; sumSq += l * l; n += 1
                if v.min() >= 250 { clippedCount += 1 }
                if v.max() < 250, l > 5 { skin += v; skinCount += 1 }
                if l <= 5 { crushedCount += 1 }
                let d = luma(rgb(i - 1)) + luma(rgb(i + 1)) + luma(rgb(i - w)) + luma(rgb(i + w)) - 4 * l
                lap += d * d; lapCount += 1
            }
        }
        let mean = sum / Double(max(n, 1)), variance = max(sumSq / Double(max(n, 1)) - mean * mean, 1e-9)
        sharpness = lap / Double(max(lapCount, 1)) / variance
        clipped = Double(clippedCount) / Double(max(n, 1)); crushed = Double(crushedCount) / Double(max(n, 1))
        subjectLuminance = mean
        subjectColour = skinCount > n / 10 ? skin / Double(skinCount) : nil
        // The backdrop bands: each channel's median over the unclipped pixels (the subject may
        // reach into a band; the median is the backdrop while the backdrop is most of it),
        // and the luminance's spread about its median (interquartile range over the median).
        let bx = Int(Self.band * Double(w)), by = Int(Self.band * Double(h))
        var histograms = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 4)
        var count = 0, all = 0
        for y in 0..<h {
            for x in 0..<w where x < bx || x >= w - bx || y < by {
                let v = rgb(y * w + x)
                histograms[3][Int(luma(v).rounded())] += 1
                all += 1
                if v.max() < 250 { for k in 0..<3 { histograms[k][Int(v[k])] += 1 }; count += 1 }
            }
        }
        func quantile(_ histogram: [Int], _ q: Double, of n: Int) -> Double {
            var seen = 0
            for (value, k) in histogram.enumerated() { seen += k; if Double(seen) >= q * Double(n) { return Double(value) } }
            return 255
        }
        backdrop = count > all / 10 ? SIMD3(quantile(histograms[0], 0.5, of: count), quantile(histograms[1], 0.5, of: count), quantile(histograms[2], 0.5, of: count)) : nil
        let middle = quantile(histograms[3], 0.5, of: all)
        backdropVariation = middle > 0 ? (quantile(histograms[3], 0.75, of: all) - quantile(histograms[3], 0.25, of: all)) / middle : 0
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
