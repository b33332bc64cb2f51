import Foundation

/// What a real capture does to the images that a perfect render does not: weak skin
/// texture, defocus, per-camera exposure and white balance, lens fall-off. Sensor noise is
/// `RenderOptions.noiseSigma` and JPEG `CaptureSpec.jpegQuality`; both are applied after
/// these, as in a camera (optics → sensor → noise → quantization → compression).
public struct ImageDegradation: Sendable, Equatable {
    /// The speckle texture's contrast about its mean albedo (0.5): 1 as rendered, 0.15
    /// leaves skin-like texture of ±0.06 albedo.
    public var textureContrast = 1.0
    /// Gaussian defocus blur, σ in pixels of the image (0: sharp).
    public var blurSigma = 0.0
    /// Exposure gain per camera, in the rig's order (cycled when shorter): 1 as rendered.
    public var gains: [Double] = []
    /// RGB multipliers per camera (white balance), in the rig's order (cycled when shorter).
    public var whiteBalance: [SIMD3<Double>] = []
    /// Brightness lost at the image's corners (0…0.9), falling off with the squared
    /// distance from the centre (v = 1 − a·(r / r_corner)²).
    public var vignetting = 0.0

    public init() {}

    /// The strength issue 18 quotes for real skin captures: texture contrast × 0.15, blur
    /// σ 1.5 px, gains 0.85 / 1.0 / 1.15, a mild white-balance shift and 20 % vignetting
    /// (with `RenderOptions.noiseSigma` 3 and JPEG quality 85: `CaptureSpec.realistic`).
    public static let realistic: ImageDegradation = {
        var d = ImageDegradation()
        d.textureContrast = 0.15
        d.blurSigma = 1.5
        d.gains = [0.85, 1.0, 1.15]
        d.whiteBalance = [SIMD3(1.04, 1, 0.95), SIMD3(1, 1, 1), SIMD3(0.96, 1, 1.05)]
        d.vignetting = 0.2
        return d
    }()

    /// True when nothing is changed (the render is as it always was).
    public var isIdentity: Bool {
        textureContrast == 1 && blurSigma == 0 && gains.allSatisfy { $0 == 1 } && whiteBalance.allSatisfy { $0 == SIMD3(1, 1, 1) } && vignetting == 0
    }

    public func validate() throws {
        guard (0...1).contains(textureContrast) else { throw SynthesisError.badOption("texture contrast must be 0…1, got \(textureContrast)") }
        guard (0...20).contains(blurSigma) else { throw SynthesisError.badOption("blur σ must be 0…20 px, got \(blurSigma)") }
        guard gains.allSatisfy({ $0 > 0 && $0 <= 10 }) else { throw SynthesisError.badOption("exposure gains must be in (0, 10]") }
        guard whiteBalance.allSatisfy({ min($0.x, $0.y, $0.z) > 0 && max($0.x, $0.y, $0.z) <= 10 }) else {
            throw SynthesisError.badOption("white-balance multipliers must be in (0, 10]")
        }
        guard (0...0.9).contains(vignetting) else { throw SynthesisError.badOption("vignetting must be 0…0.9, got \(vignetting)") }
    }

    /// The speckle albedo with the texture's contrast applied.
    func albedo(_ a: Double) -> Double { 0.5 + textureContrast * (a - 0.5) }

    /// Camera `index`'s image (linear values 0…1, `channels` interleaved, row-major) after
    /// blur, exposure, white balance and vignetting.
    public func apply(_ values: inout [Double], width w: Int, height h: Int, channels: Int, camera index: Int) {
        if blurSigma > 0 { Self.blur(&values, width: w, height: h, channels: channels, sigma: blurSigma) }
        let gain = gains.isEmpty ? 1 : gains[index % gains.count]
        let balance = whiteBalance.isEmpty ? SIMD3<Double>(1, 1, 1) : whiteBalance[index % whiteBalance.count]
        let cx = Double(w - 1) / 2, cy = Double(h - 1) / 2, corner = cx * cx + cy * cy
        for y in 0..<h {
            for x in 0..<w {
                let r2 = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / max(corner, 1)
                let fall = gain * (1 - vignetting * r2)
                for c in 0..<channels {
                    // A gray render has no white balance: it is the green channel's (1).
                    let wb = channels == 3 ? balance[c] : 1
                    values[(y * w + x) * channels + c] *= fall * wb
                }
            }
        }
    }

    /// Separable Gaussian blur (kernel to 3σ), edges clamped.
    static func blur(_ values: inout [Double], width w: Int, height h: Int, channels: Int, sigma: Double) {
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var tmp = values
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<channels {
                    var s = 0.0
                    for k in -r...r { s += kernel[k + r] * values[(y * w + min(max(x + k, 0), w - 1)) * channels + c] }
                    tmp[(y * w + x) * channels + c] = s
                }
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<channels {
                    var s = 0.0
                    for k in -r...r { s += kernel[k + r] * tmp[(min(max(y + k, 0), h - 1) * w + x) * channels + c] }
                    values[(y * w + x) * channels + c] = s
                }
            }
        }
    }
}
