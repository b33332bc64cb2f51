import Dispatch
import Foundation
import Parallelism
import Pipeline
import Synthesis

/// Eight small captures (mounds, 490 × 410, three cameras, noise σ 1.5, seeds 1…8) written
/// once to the temporary folder: the study `batch` is timed on.
enum BatchInputs {
    static let folders: [URL] = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-batch-benchmark")
        return (1...8).map { seed in
            let folder = root.appendingPathComponent("case\(seed)")
            if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rig.json").path) {
                var spec = CaptureSpec(scene: .mounds)
                spec.rig.scale = 0.2
                spec.rig.seed = UInt64(seed)
                spec.render.seed = UInt64(seed)
                spec.render.noiseSigma = 1.5
                try? FileManager.default.removeItem(at: folder)
                try! SyntheticCapture(spec).write(to: folder)
            }
            return folder
        }
    }()

    /// One case as `batch` runs it: open, reconstruct without texture, area and volume.
    static func runCase(_ folder: URL) -> Double {
        var options = ReconstructionOptions()
        options.texture = false
        let result = try! Reconstructor.run(try! Capture(folder: folder), options: options)
        let mesh = result.mesh!
        return mesh.area + ((try? mesh.volume()) ?? 0)
    }

    /// The eight cases, `atOnce` side by side, each on `width` threads (nil: all cores).
    static func runStudy(atOnce: Int, width: Int?) {
        let folders = Self.folders
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: atOnce) { _ in
            while let i = next.take(below: folders.count) {
                if let width { _ = Parallel.withWidth(width) { runCase(folders[i]) } } else { _ = runCase(folders[i]) }
            }
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below limit: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
