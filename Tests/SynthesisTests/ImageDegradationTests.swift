import Foundation
import Synthesis
import Testing

/// Issue 18: the degradations do what they say, in the units they say.
struct ImageDegradationTests {
    @Test func blurSpreadsADeltaAsAGaussianOfTheGivenSigma() throws {
        var d = ImageDegradation()
        d.blurSigma = 1.5
        let w = 41, h = 41
        var values = [Double](repeating: 0, count: w * h)
        values[20 * w + 20] = 1
        d.apply(&values, width: w, height: h, channels: 1, camera: 0)
        let total = values.reduce(0, +)
        var varianceX = 0.0
        for y in 0..<h { for x in 0..<w { varianceX += values[y * w + x] * Double((x - 20) * (x - 20)) } }
        #expect(abs(total - 1) < 1e-9, "blur keeps the light: \(total)")
        #expect(abs(varianceX.squareRoot() - 1.5) < 0.02, "σ \(varianceX.squareRoot()) px")
    }

    @Test func gainsWhiteBalanceAndVignettingScaleAsStated() throws {
        var d = ImageDegradation()
        d.gains = [0.85, 1.0, 1.15]
        d.whiteBalance = [SIMD3(1.1, 1, 0.9)]
        d.vignetting = 0.2
        let w = 21, h = 11
        for camera in 0..<4 {
            var values = [Double](repeating: 0.5, count: w * h * 3)
            d.apply(&values, width: w, height: h, channels: 3, camera: camera)
            let gain = [0.85, 1.0, 1.15][camera % 3]
            let centre = (5 * w + 10) * 3, corner = 0
            #expect(abs(values[centre] - 0.5 * gain * 1.1) < 1e-12)
            #expect(abs(values[centre + 2] - 0.5 * gain * 0.9) < 1e-12)
            // The corner loses the vignetting's share.
            #expect(abs(values[corner + 1] - 0.5 * gain * 0.8) < 1e-12)
        }
    }

    @Test func realisticIsValidAndIdentityChangesNothing() throws {
        try ImageDegradation.realistic.validate()
        #expect(!ImageDegradation.realistic.isIdentity)
        #expect(ImageDegradation().isIdentity)
        var bad = ImageDegradation()
        bad.textureContrast = 1.5
        #expect(throws: (any Error).self) { try bad.validate() }
    }
}
