import Foundation
import Geometry
import Synthesis

/// Small in-memory renders of the synthetic scenes for unit tests: the whole capture is
/// made without touching the disk, at a scale that keeps a test to a fraction of a second.
public enum SyntheticFixtures {
    /// The default three-camera arc's rig (exact), at `scale`, without rendering.
    public static func arcRig(scale: Double = 0.25, seed: UInt64 = 1) -> Rig {
        var options = SyntheticRigOptions()
        options.scale = scale
        options.seed = seed
        return try! SyntheticRig(options).rig
    }

    /// Renders `scene` through the default three-camera arc at `scale` (0.2 → 490×410 px).
    /// Noise off and depth maps on unless asked otherwise.
    public static func capture(_ scene: SceneName, scale: Double = 0.2, seed: UInt64 = 1,
                               noise: Double = 0, supersampling: Int = 2, depth: Bool = true,
                               layout: SyntheticRigOptions.Layout = .arc, cameras: Int? = nil) throws -> SyntheticCapture {
        var spec = CaptureSpec(scene: scene)
        spec.rig.scale = scale
        spec.rig.seed = seed
        spec.rig.layout = layout
        if let cameras { spec.rig.cameraCount = cameras } else if layout == .surround { spec.rig.cameraCount = 8 }
        spec.render.seed = seed
        spec.render.noiseSigma = noise
        spec.render.supersampling = supersampling
        spec.render.depth = depth
        return try SyntheticCapture(spec)
    }
}

extension SyntheticCapture {
    /// Writes the capture to a fresh temporary folder named after `label`, runs `body` on
    /// it, and removes the folder and its DIR.truth.json afterwards, whatever happens.
    public func withTemporaryFolder<T>(_ label: String, _ body: (URL) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-\(label)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(atPath: folder.path + ".truth.json")
        }
        try write(to: folder)
        return try body(folder)
    }
}
