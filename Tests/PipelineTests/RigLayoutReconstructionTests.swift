import Foundation
import Geometry
import Pipeline
import Synthesis
import TestSupport
import Testing

/// Issue 19: N-camera rigs reconstruct with the default options — a five-camera 72° arc and a
/// rig of three two-camera pods 40° apart (VECTRA-XT-like) — every pair matching the subject
/// within the default working range, and the order rig.json lists the cameras in does not
/// change a point.
struct RigLayoutReconstructionTests {
    static func reconstruct(_ synthetic: SyntheticCapture, label: String, permuting order: [Int]? = nil) throws -> ReconstructionResult {
        var options = ReconstructionOptions()
        options.meshing = nil
        options.workingRange = nil  // neither capture.json's range nor an option: the default
        return try synthetic.withTemporaryFolder(label) { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("capture.json"))
            if let order {
                var rig = synthetic.rig.rig
                rig.cameras = order.map { rig.cameras[$0] }
                try rig.write(to: folder.appendingPathComponent("rig.json"))
            }
            return try Reconstructor.run(try Capture(folder: folder), options: options)
        }
    }

    /// Every pair matches the subject (≥ 15 % of its pixels: the mounds fill about a third of
    /// a frame seen from the side pods), and the cloud lies on the true surface.
    static func check(_ result: ReconstructionResult, _ synthetic: SyntheticCapture, pairs: Int) {
        #expect(result.pairs.count == pairs, "\(result.pairs.map(\.cameras))")
        for report in result.pairs {
            #expect(report.density > 0.15, "pair \(report.cameras): \(report.density) of its pixels matched, disparities \(report.disparityRange)")
        }
        let truth = SurfaceTruth(synthetic).distances(result.cloud.positions)
        // In pixels at the subject's distance (1000 mm; f ≈ 1000 px at this scale): 95 % of
        // the points within 0.6 px of the true surface, fewer than 0.2 % beyond 2 px. (The
        // pods' vertical pairs miss by more where the torso's silhouette runs along their
        // epipolar lines: 0.06 % of the points beyond 2 mm, against none for the arc.)
        let footprint = 1000 / synthetic.rig.rig.cameras[0].camera.intrinsics.fx
        #expect(truth.p95 < 0.6 * footprint && Double(truth.beyond2) < 0.002 * Double(truth.count), "\(truth)")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE rig \(synthetic.rig.options.layout):", result.pairs.map { "\($0.cameras.joined(separator: "-")) \($0.points) [\($0.disparityRange)]" }, truth)
        }
    }

    @Test func aFiveCameraArcOf72DegreesReconstructsEveryPair() throws {
        let synthetic = try SyntheticFixtures.capture(.mounds, scale: 0.25, noise: 1, depth: false, cameras: 5)
        Self.check(try Self.reconstruct(synthetic, label: "arc72"), synthetic, pairs: 4)
    }

    @Test func threePodsReconstructEveryPairWhateverTheListingOrder() throws {
        var spec = CaptureSpec(scene: .mounds)
        spec.rig.layout = .pods; spec.rig.cameraCount = 3; spec.rig.arcStepDegrees = 40; spec.rig.scale = 0.25
        spec.render.noiseSigma = 1; spec.render.supersampling = 2
        let synthetic = try SyntheticCapture(spec)
        let listed = try Self.reconstruct(synthetic, label: "pods")
        Self.check(listed, synthetic, pairs: 7)
        // The cameras listed backwards and shuffled: the same points.
        for order in [[5, 4, 3, 2, 1, 0], [3, 0, 5, 1, 4, 2]] {
            let other = try Self.reconstruct(synthetic, label: "pods-reordered", permuting: order)
            #expect(other.pairs.map(\.cameras) == listed.pairs.map(\.cameras))
            let a = listed.cloud.positions.sorted(by: Self.before), b = other.cloud.positions.sorted(by: Self.before)
            #expect(a.count == b.count, "\(order): \(b.count) points vs \(a.count)")
            let worst = zip(a, b).map { Double(length($0.0 - $0.1)) }.max() ?? .infinity
            #expect(worst <= 1e-6, "\(order): points differ by up to \(worst) mm")
        }
    }

    static func before(_ p: SIMD3<Float>, _ q: SIMD3<Float>) -> Bool {
        p.x != q.x ? p.x < q.x : p.y != q.y ? p.y < q.y : p.z < q.z
    }
}

private func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }
