import Foundation
import Pipeline
import Synthesis

/// The bundled sample capture at its full size: the mounds on the 18° three-camera arc,
/// 3 × 2448×2048 (5 MP) skin-tinted JPEGs at quality 92, seed 1 — what
/// `./scripts/make-samples` renders at half size into `samples/mounds`. Rendered into a
/// temporary folder on first use (removed when the benchmarks exit) and read as a capture.
enum SampleInputs {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-benchmark-sample-\(getpid())")

    static let capture: Capture = {
        var spec = CaptureSpec(scene: .mounds)
        spec.render.tint = RenderOptions.skinTint
        spec.jpegQuality = 92
        try! SyntheticCapture(spec).write(to: folder)
        atexit {
            try? FileManager.default.removeItem(at: SampleInputs.folder)
            try? FileManager.default.removeItem(at: SampleInputs.folder.appendingPathExtension("truth.json"))
        }
        return try! Capture(folder: folder)
    }()
}
