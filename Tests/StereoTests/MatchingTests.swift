import Foundation
import Imaging
import Stereo
import TestSupport
import Testing

/// The matcher on pairs whose disparity is known exactly.
@Suite struct MatchingTests {
    /// A seeded random texture, smoothed a little so that sub-pixel shifts are meaningful.
    static func texture(width: Int, height: Int, seed: UInt64) -> (Double, Double) -> Float {
        var state = seed
        var values = [Float](repeating: 0, count: (width + 2) * (height + 2))
        for i in values.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; values[i] = Float(state >> 40) / Float(1 << 24) * 255 }
        return { x, y in
            // Bilinear in the random lattice (cell = 1.5 px).
            let u = x / 1.5, v = y / 1.5
            let i = Int(u), j = Int(v), fx = Float(u - Double(i)), fy = Float(v - Double(j))
            let a = values[j * (width + 2) + i], b = values[j * (width + 2) + i + 1]
            let c = values[(j + 1) * (width + 2) + i], d = values[(j + 1) * (width + 2) + i + 1]
            return (a + fx * (b - a)) * (1 - fy) + (c + fx * (d - c)) * fy
        }
    }

    @Test func constantDisparityIsFoundToSubPixel() throws {
        let w = 96, h = 48
        let shift = 7.4
        let pattern = Self.texture(width: 200, height: 100, seed: 3)
        let left = Image<Float>(width: w, height: h, layout: .gray, pixels: (0..<(w * h)).map { pattern(Double($0 % w) + 20, Double($0 / w)) })
        let right = Image<Float>(width: w, height: h, layout: .gray, pixels: (0..<(w * h)).map { pattern(Double($0 % w) + 20 + shift, Double($0 / w)) })
        var options = MatchingOptions()
        options.disparityCount = 16
        options.speckleSize = 10
        let map = try SemiGlobalMatcher.match(left: left, right: right, options: options)
        // Away from the borders (census window, the disparity range) every pixel matches.
        var errors: [Double] = [], empty = 0
        for y in 4..<(h - 4) {
            for x in 24..<(w - 5) {
                let d = map.disparity[y * w + x]
                if d.isNaN { empty += 1; continue }
                errors.append(Double(d) - shift)
                #expect(map.confidence[y * w + x] > 0)
            }
        }
        #expect(empty == 0, "\(empty) pixels without a disparity")
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(errors.allSatisfy { abs($0) < 0.5 }, "worst \(errors.map(abs).max()!) px")
        #expect(abs(mean) < 0.15, "mean error \(mean) px")
        // The left columns whose match would lie outside the right image have none.
        #expect((0..<h).allSatisfy { map.disparity[$0 * w + 2].isNaN }, "column 2: \((0..<h).map { map.disparity[$0 * w + 2] })")
    }

    @Test func badOptionsAndSizesAreRefused() {
        var options = MatchingOptions()
        options.paths = 5
        #expect(throws: MatchingError.self) { try options.validate() }
        options = MatchingOptions()
        options.censusHalfWidth = 5  // 11 × 7 − 1 = 76 neighbours: too many bits
        #expect(throws: MatchingError.self) { try options.validate() }
        let a = Image<Float>(width: 10, height: 10, layout: .gray, pixels: Array(repeating: 0, count: 100))
        let b = Image<Float>(width: 11, height: 10, layout: .gray, pixels: Array(repeating: 0, count: 110))
        #expect(throws: MatchingError.self) { try SemiGlobalMatcher.match(left: a, right: b) }
    }

    /// A featureless pair gives no disparities rather than confident nonsense.
    @Test func blankImagesGiveNothing() throws {
        let blank = Image<Float>(width: 64, height: 32, layout: .gray, pixels: Array(repeating: 128, count: 64 * 32))
        var options = MatchingOptions()
        options.disparityCount = 16
        let map = try SemiGlobalMatcher.match(left: blank, right: blank, options: options)
        #expect(map.density == 0)
    }
}
