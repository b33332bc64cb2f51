import Foundation
import Pipeline
import Synthesis
import TestSupport
import Testing

/// Issue 18: when matching succeeded and the filters removed every point, the error says
/// which filter removed how many, in the units it works in — not "is this the right rig?".
struct EmptyReconstructionTests {
    @Test func filtersThatRemoveEverythingAreNamedWithTheirCounts() throws {
        var spec = CaptureSpec(scene: .sphere)
        spec.rig.scale = 0.25
        spec.rig.cameraCount = 2
        let synthetic = try SyntheticCapture(spec)
        var options = ReconstructionOptions()
        options.meshing = nil
        // No two-view point can reach a correlation of 2: the correlation filter takes all.
        options.fusion.minimumTwoViewCorrelation = 2
        let error = try synthetic.withTemporaryFolder("empty-reconstruction") { folder -> ReconstructionError? in
            do { _ = try Reconstructor.run(try Capture(folder: folder), options: options); return nil } catch let e as ReconstructionError { return e }
        }
        let e = try #require(error, "an empty cloud must be an error")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil { print("FIGURE empty:", e.problem) }
        #expect(e.badInput)
        #expect(e.problem.contains("no surface point was found: the pairs cam0–cam1 matched"), "\(e.problem)")
        // The conflict count is most of what matched, and the scale of each filter is given.
        let matched = try #require(Int(e.problem.components(separatedBy: "matched ")[1].prefix { $0.isNumber }))
        let conflicts = try #require(Int(e.problem.components(separatedBy: "; ")[1].prefix { $0.isNumber }))
        #expect(matched > 1000 && conflicts > matched / 2, "\(e.problem)")
        #expect(e.problem.contains("ZNCC under 2.0") && e.problem.contains("px of disparity per pixel") && e.problem.contains("outside the working range"), "\(e.problem)")
    }
}
