import Foundation
import Parallelism
import Pipeline
import Surface
import Synthesis
import TestSupport
import Testing

/// A reconstruction does not depend on how many threads ran it: `batch` runs cases one
/// thread each, `reconstruct` on every core, and both must give the same numbers.
@Test(.enabled(if: releaseRun, "a reconstruction in a debug build takes a minute: runs in scripts/test (release build)"))
func reconstructionIsTheSameAtEveryWidth() throws {
    var spec = CaptureSpec(scene: .mounds)
    spec.rig.scale = 0.2
    spec.render.noiseSigma = 1.5
    let synthetic = try SyntheticCapture(spec)
    var options = ReconstructionOptions()
    options.texture = false
    let (serial, parallel) = try synthetic.withTemporaryFolder("width") { folder in
        let capture = try Capture(folder: folder)
        return (try Parallel.withWidth(1) { try Reconstructor.run(capture, options: options) },
                try Reconstructor.run(capture, options: options))
    }
    #expect(serial.cloud.positions.count > 1_000)
    #expect(serial.cloud.positions == parallel.cloud.positions)
    let a = try #require(serial.mesh), b = try #require(parallel.mesh)
    #expect(a.vertices == b.vertices && a.faces == b.faces)
}
