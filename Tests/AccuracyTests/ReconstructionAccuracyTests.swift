import Foundation
import Geometry
import Pipeline
import Surface
import Reconstruction
import Synthesis
import TestSupport
import Testing

/// Issue #5's ground-truth acceptance: full-size (2448 × 2048) renders of the synthetic
/// scenes through the three-camera arc, sensor noise σ = 1.5, reconstructed end to end and
/// compared with the true surface. Seeds: TRINOCULAR_SEEDS (e.g. "1-5"), default 1.
@Suite(.enabled(if: accuracyRun, "full-size accuracy runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"), .serialized)
struct ReconstructionAccuracyTests {
    static var seeds: [UInt64] {
        let s = ProcessInfo.processInfo.environment["TRINOCULAR_SEEDS"] ?? "1"
        let parts = s.split(separator: "-").compactMap { UInt64($0) }
        if parts.count == 2 { return Array(parts[0]...parts[1]) }
        return s.split(separator: ",").compactMap { UInt64($0) }
    }

    @Test("5 MP synthetic capture → points within 0.15 mm RMS of the true surface", arguments: [SceneName.sphere, .ellipsoid, .mounds, .face])
    func groundTruth(scene: SceneName) throws {
        if let only = ProcessInfo.processInfo.environment["TRINOCULAR_SCENES"], !only.split(separator: ",").contains(Substring(scene.rawValue)) { return }
        for seed in Self.seeds {
            var spec = CaptureSpec(scene: scene)
            spec.rig.seed = seed
            spec.render.seed = seed
            spec.render.noiseSigma = 1.5
            let synthetic = try SyntheticCapture(spec)
            let started = Date()
            var options = ReconstructionOptions()
            if let v = ProcessInfo.processInfo.environment["TRINOCULAR_MIN_NCC"].flatMap(Double.init) { options.fusion.minimumTwoViewCorrelation = v }
            let result = try synthetic.withTemporaryFolder("accuracy-\(scene.rawValue)-\(seed)") {
                try Reconstructor.run(try Capture(folder: $0), options: options) { line in if ProcessInfo.processInfo.environment["TRINOCULAR_PROGRESS"] != nil { print("PROGRESS", line) } }
            }
            let seconds = Date().timeIntervalSince(started)
            let truth = SurfaceTruth(synthetic)
            let d = truth.distances(result.cloud.positions)
            let within60 = truth.coverage(result.cloud.positions, maximumAngle: 60)
            let grazing = truth.coverage(result.cloud.positions, maximumAngle: 89.9)
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                print(String(format: "FIGURE reconstruct %@ seed %d: %@; coverage %.2f %% (≤60°, %d samples), %.2f %% (all seen by 2 cameras); %.1f s",
                             scene.rawValue, seed, d.description, 100 * within60.fraction, within60.samples, 100 * grazing.fraction, seconds))
            }
            if ProcessInfo.processInfo.environment["TRINOCULAR_DEBUG_FAR"] != nil {
                let c = result.cloud
                print("three-view:", truth.distances(c.positions.indices.filter { c.views[$0] >= 3 }.map { c.positions[$0] }))
                print("two-view:", truth.distances(c.positions.indices.filter { c.views[$0] < 3 }.map { c.positions[$0] }))
                for p in result.pairs { print(p.cameras, p.points, p.threeView, p.threeViewRejected, p.outliers, p.duplicates, p.conflicts) }
            }
            #expect(d.count > 100_000, "\(scene) seed \(seed): \(d.count) points")
            #expect(d.rms <= 0.15, "\(scene) seed \(seed): \(d)")
            #expect(d.p95 <= 0.35, "\(scene) seed \(seed): \(d)")
            #expect(d.max <= 2, "\(scene) seed \(seed): \(d)")
            #expect(within60.fraction >= 0.95, "\(scene) seed \(seed): coverage \(within60.fraction)")

            // Issue #6: the mesh's vertices lie as close to the truth as the points, the mesh
            // covers what they cover, and it is edge-manifold and consistently wound.
            // Measured on the surface (vertices and samples across every face), so that a
            // simplified mesh's error between its vertices counts.
            let mesh = try #require(result.mesh), report = try #require(result.meshing)
            let samples = mesh.surfaceSamples(spacing: 0.5)
            let m = truth.distances(samples)
            let meshCoverage = truth.coverage(samples, maximumAngle: 60)
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                print(String(format: "FIGURE mesh %@ seed %d: %d faces, %@; coverage %.2f %%; holes filled %d, left %d; %@",
                             scene.rawValue, seed, mesh.faces.count, m.description, 100 * meshCoverage.fraction,
                             report.holes.filled.count, report.holes.left.count,
                             report.seconds.map { String(format: "%@ %.2f s", $0.stage, $0.seconds) }.joined(separator: ", ")))
            }
            #expect(m.rms <= 0.15, "\(scene) seed \(seed) mesh: \(m)")
            #expect(m.max <= 2, "\(scene) seed \(seed) mesh: \(m)")
            #expect(meshCoverage.fraction >= 0.95, "\(scene) seed \(seed): mesh coverage \(meshCoverage.fraction)")
            #expect(report.topology.nonManifoldEdges == 0 && report.topology.inconsistentEdges == 0 && report.topology.degenerateFaces == 0,
                    "\(scene) seed \(seed): \(report.topology)")
        }
    }

    /// Issue 18: the same captures as real skin, lenses and flashes make them — texture
    /// contrast × 0.15, blur σ 1.5 px, exposure gains 0.85 / 1 / 1.15 with a white-balance
    /// shift, 20 % vignetting, noise σ 3, JPEG quality 85 — still give the frontal surface
    /// (≥ 90 % of it within 60° of a camera's view; the face: ≥ 85 %, see below) within
    /// 0.15 mm RMS.
    @Test("5 MP capture degraded as real captures are → ≥ 90 % frontal coverage, RMS ≤ 0.15 mm", arguments: [SceneName.mounds, .face])
    func realisticCapture(scene: SceneName) throws {
        if let only = ProcessInfo.processInfo.environment["TRINOCULAR_SCENES"], !only.split(separator: ",").contains(Substring(scene.rawValue)) { return }
        for seed in Self.seeds {
            var spec = CaptureSpec(scene: scene)
            spec.rig.seed = seed
            spec.render.seed = seed
            spec.render.noiseSigma = 3
            spec.render.degradation = .realistic
            spec.jpegQuality = 85
            let synthetic = try SyntheticCapture(spec)
            let options = ReconstructionOptions()
            let result = try synthetic.withTemporaryFolder("realistic-\(scene.rawValue)-\(seed)") {
                try Reconstructor.run(try Capture(folder: $0), options: options) { line in if ProcessInfo.processInfo.environment["TRINOCULAR_PROGRESS"] != nil { print("PROGRESS", line) } }
            }
            let truth = SurfaceTruth(synthetic)
            let d = truth.distances(result.cloud.positions)
            let frontal = truth.coverage(result.cloud.positions, maximumAngle: 60)
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                print(String(format: "FIGURE realistic %@ seed %d: %@; frontal coverage %.2f %%; pairs %@", scene.rawValue, seed, d.description, 100 * frontal.fraction,
                             result.pairs.map { "\($0.cameras.joined(separator: "–")) matched \(String(format: "%.1f", 100 * $0.density)) %, outliers \($0.outliers), conflicts \($0.conflicts)" }.joined(separator: "; ")))
            }
            #expect(d.rms <= 0.15, "\(scene) seed \(seed): \(d)")
            // Measured, seeds 1–3: mounds 99.7–99.8 % at 0.114–0.115 mm, face 98.0–99.1 % at
            // 0.136–0.144 mm (85.7 % before rivals had to be peaks of their own, 74.8 % before
            // windows grew with weak texture).
            #expect(frontal.fraction >= 0.90, "\(scene) seed \(seed): frontal coverage \(frontal.fraction)")
        }
    }

    /// Issue 18: a plain stereo pair is first-class — the bundled sample (its spec from
    /// scripts/make-samples) with cam2 removed from the folder and the rig reconstructs from
    /// cam0–cam1 alone, the points on the true surface.
    @Test func theSampleFromTwoCamerasReconstructs() throws {
        var spec = CaptureSpec(scene: .mounds)
        spec.rig.scale = 0.5
        spec.rig.seed = 1
        spec.render.seed = 1
        spec.render.tint = RenderOptions.skinTint
        spec.jpegQuality = 92
        let synthetic = try SyntheticCapture(spec)
        let result = try synthetic.withTemporaryFolder("two-camera-sample") { folder -> ReconstructionResult in
            let rig = try Rig(contentsOf: folder.appendingPathComponent("rig.json"))
            try FileManager.default.removeItem(at: folder.appendingPathComponent("rig.json"))
            try Rig(cameras: rig.cameras.filter { $0.id != "cam2" }).write(to: folder.appendingPathComponent("rig.json"))
            try FileManager.default.removeItem(at: folder.appendingPathComponent("cam2.jpg"))
            var options = ReconstructionOptions()
            options.meshing = nil
            return try Reconstructor.run(try Capture(folder: folder), options: options)
        }
        let d = SurfaceTruth(synthetic).distances(result.cloud.positions)
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE two-camera sample: \(result.pairs.map { $0.cameras.joined(separator: "–") }), \(d)")
        }
        #expect(result.pairs.count == 1)
        // Measured: 471,533 points, RMS 0.063 mm, max 0.94 mm.
        #expect(result.cloud.count > 300_000, "\(result.cloud.count) points")
        #expect(d.rms <= 0.15 && d.max <= 2, "\(d)")
    }
}
