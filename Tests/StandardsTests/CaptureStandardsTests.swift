import Foundation
import Imaging
import Standards
import Synthesis
import TestSupport
import Testing

/// `CaptureStandards` on synthetic captures (issue 21): clean captures pass every check; a
/// fault put into one camera's photograph is flagged by its check, naming that camera, and
/// no other check changes status (the backdrop may, where a whole image's exposure or
/// colour changed). Half size, with the protocol's minimum scaled with it (1.25 MP).
struct CaptureStandardsTests {
    static let protocolAtHalfSize: CaptureProtocol = {
        var p = CaptureProtocol.builtIn[0]
        p.minimumMegapixels = 5.0 / 4
        return p
    }()

    static func capture(_ scene: SceneName, seed: UInt64, backdrop: SIMD3<Double> = RenderOptions.lightBlue) throws -> [Image<UInt8>] {
        var spec = CaptureSpec(scene: scene)
        spec.rig.scale = 0.5
        spec.rig.seed = seed
        spec.render.seed = seed
        spec.render.tint = RenderOptions.skinTint
        spec.render.backdrop = backdrop
        return try SyntheticCapture(spec).views.map(\.image)
    }

    static func check(_ images: [Image<UInt8>]) -> CheckReport {
        CaptureStandards.check(images.enumerated().map { ImageMeasures($0.element, camera: "cam\($0.offset)") }, against: protocolAtHalfSize)
    }

    @Test func cleanCapturesPass() throws {
        for (scene, seed) in [(SceneName.mounds, UInt64(1)), (.mounds, 2), (.face, 1)] {
            let report = Self.check(try Self.capture(scene, seed: seed))
            let flagged = report.checks.filter { $0.status != .pass }
            #expect(flagged.isEmpty, "\(scene) seed \(seed): \(flagged.map { "\($0.id) \($0.camera ?? "-"): \($0.message)" })")
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                for id in ["focus", "exposure", "colour", "backdrop"] {
                    print("FIGURE check \(scene) \(seed) \(id): \(report.checks.filter { $0.id == id }.map { $0.value ?? .nan })")
                }
            }
        }
    }

    @Test func aFaultInOneCameraIsFlaggedThereOnly() throws {
        let clean = try Self.capture(.mounds, seed: 1)
        let before = Self.check(clean)
        let grey = try Self.capture(.mounds, seed: 1, backdrop: SIMD3(repeating: 0.5))
        let faults: [(name: String, camera: Int, check: String, image: Image<UInt8>, backdropMayChange: Bool)] = [
            ("blur σ 2.5 px", 1, "focus", Self.blurred(clean[1], sigma: 2.5), false),
            ("exposure × 2", 2, "exposure", Self.scaled(clean[2], by: SIMD3(repeating: 2)), true),
            ("a quarter of the pixels", 0, "resolution", Self.halved(clean[0]), false),
            ("a grey backdrop", 0, "backdrop", grey[0], false),
            ("+20 % red", 1, "colour", Self.scaled(clean[1], by: SIMD3(1.2, 1, 1)), true),
        ]
        for fault in faults {
            var images = clean
            images[fault.camera] = fault.image
            let after = Self.check(images)
            for (a, b) in zip(before.checks, after.checks) {
                let target = a.id == fault.check && a.camera == "cam\(fault.camera)"
                if target {
                    if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE check fault \(fault.name): \(b.id) \(b.status) value \(b.value ?? .nan), threshold \(b.threshold ?? .nan)") }
                    #expect(b.status != .pass, "\(fault.name): \(b.id) \(b.camera ?? "") passed (\(b.value ?? .nan))")
                    #expect(b.message.contains("cam\(fault.camera)") || b.id == "resolution", "\(fault.name): the message names the camera: \(b.message)")
                } else if !(fault.backdropMayChange && a.id == "backdrop" && a.camera == "cam\(fault.camera)") {
                    #expect(a.status == b.status, "\(fault.name): \(a.id) \(a.camera ?? "") went \(a.status) → \(b.status): \(b.message)")
                }
            }
            #expect(after.verdict != .pass)
        }
    }

    /// A rig of two cameras: the blurred one is named, the sharp one passes (with two, the
    /// median would be their mean and flag neither clearly).
    @Test func aDefocusedCameraOfTwo() throws {
        let clean = Array(try Self.capture(.mounds, seed: 1).prefix(2))
        let report = Self.check([clean[0], Self.blurred(clean[1], sigma: 2.5)])
        let focus = report.checks.filter { $0.id == "focus" }
        #expect(focus.map(\.status) == [.pass, .fail], "\(focus.map { "\($0.camera ?? "") \($0.value ?? .nan)" })")
        #expect(Self.check(clean).checks.allSatisfy { $0.status == .pass }, "two clean cameras pass")
    }

    /// Separable Gaussian blur, σ in pixels, edges clamped.
    static func blurred(_ image: Image<UInt8>, sigma: Double) -> Image<UInt8> {
        let r = Int((3 * sigma).rounded(.up)), c = image.layout.channels, w = image.width, h = image.height
        let kernel = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }, total = kernel.reduce(0, +)
        var a = image.pixels.map(Double.init), b = a
        for (dx, dy) in [(1, 0), (0, 1)] {
            for y in 0..<h {
                for x in 0..<w {
                    for k in 0..<c {
                        var s = 0.0
                        for (j, weight) in kernel.enumerated() {
                            let xx = min(max(x + (j - r) * dx, 0), w - 1), yy = min(max(y + (j - r) * dy, 0), h - 1)
                            s += weight * a[(yy * w + xx) * c + k]
                        }
                        b[(y * w + x) * c + k] = s / total
                    }
                }
            }
            a = b
        }
        return Image(width: w, height: h, layout: image.layout, pixels: a.map { UInt8(min(255, max(0, $0.rounded()))) })
    }

    /// Each channel multiplied, clipped at 255.
    static func scaled(_ image: Image<UInt8>, by gain: SIMD3<Double>) -> Image<UInt8> {
        let c = image.layout.channels
        return Image(width: image.width, height: image.height, layout: image.layout,
                     pixels: image.pixels.enumerated().map { UInt8(min(255, (Double($0.element) * gain[$0.offset % c]).rounded())) })
    }

    /// Half the width and height (2 × 2 means): a quarter of the pixels.
    static func halved(_ image: Image<UInt8>) -> Image<UInt8> {
        let c = image.layout.channels, w = image.width / 2, h = image.height / 2
        var out = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            for x in 0..<w {
                for k in 0..<c {
                    let s = [(0, 0), (1, 0), (0, 1), (1, 1)].reduce(0) { $0 + Int(image.pixels[((2 * y + $1.1) * image.width + 2 * x + $1.0) * c + k]) }
                    out[(y * w + x) * c + k] = UInt8(s / 4)
                }
            }
        }
        return Image(width: w, height: h, layout: image.layout, pixels: out)
    }
}
