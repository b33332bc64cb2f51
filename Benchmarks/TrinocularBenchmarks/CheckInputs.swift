import Foundation
import Pipeline
import Synthesis

/// A 3 × 5 MP capture as a clinic takes it for `check` (issue 21 asks ≤ 2 s): the mounds
/// scene through the default arc, skin-tinted, on the protocols' light-blue backdrop, written
/// once (PNG) to a temporary folder.
enum CheckInputs {
    static let folder: URL = {
        var spec = CaptureSpec(scene: .mounds)
        spec.render.tint = RenderOptions.skinTint
        spec.render.backdrop = RenderOptions.lightBlue
        let capture = try! SyntheticCapture(spec)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-benchmark-check-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        try! capture.write(to: root)
        return root
    }()
}
