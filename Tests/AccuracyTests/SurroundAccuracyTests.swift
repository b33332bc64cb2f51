import Foundation
import Pipeline
import Surface
import Synthesis
import TestSupport
import Testing

/// Issue #6's watertight acceptance: the sphere and the ellipsoid photographed from all
/// around (the renderer's surround layout: rings of 12 cameras 30° apart at 0° and ±35°
/// elevation, noise σ 1.5), reconstructed from the neighbours in each ring (pairs within 35°), meshed
/// watertight; the enclosed volume within 0.5 % and the area within 1 % of the closed forms.
/// CI renders at scale 0.35 (857 × 717 px, 36 views) to stay within its time;
/// TRINOCULAR_SURROUND_SCALE=1 runs the full 5 MP case. Seeds: TRINOCULAR_SEEDS.
@Suite(.enabled(if: accuracyRun, "full-size accuracy runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"), .serialized)
struct SurroundAccuracyTests {
    @Test("Surround capture → watertight mesh: volume within 0.5 %, area within 1 %", arguments: [SceneName.sphere, .ellipsoid])
    func watertightVolume(scene: SceneName) throws {
        if let only = ProcessInfo.processInfo.environment["TRINOCULAR_SCENES"], !only.split(separator: ",").contains(Substring(scene.rawValue)) { return }
        let scale = ProcessInfo.processInfo.environment["TRINOCULAR_SURROUND_SCALE"].flatMap(Double.init) ?? 0.35
        for seed in ReconstructionAccuracyTests.seeds {
            var spec = CaptureSpec(scene: scene)
            spec.rig.layout = .surround
            spec.rig.cameraCount = 12
            spec.rig.scale = scale
            spec.rig.seed = seed
            spec.render.seed = seed
            spec.render.noiseSigma = 1.5
            let synthetic = try SyntheticCapture(spec)
            let started = Date()
            var options = ReconstructionOptions()
            options.pairs = .all
            options.maximumPairAngle = 35
            var meshing = MeshingOptions()
            meshing.watertight = true
            options.meshing = meshing
            let result = try synthetic.withTemporaryFolder("surround-\(scene.rawValue)-\(seed)") { try Reconstructor.run(try Capture(folder: $0), options: options) }
            let mesh = try #require(result.mesh)
            let (trueVolume, trueArea): (Double, Double) = {
                if let s = synthetic.scene as? SphereScene { return (s.volume, s.area) }
                let e = synthetic.scene as! EllipsoidScene
                return (e.volume, e.area)
            }()
            let volume = try mesh.volume()
            let vertices = SurfaceTruth(synthetic).distances(mesh.vertices.map { SIMD3<Float>($0) })
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                print(String(format: "FIGURE surround %@ seed %d scale %.2f: %d points, %d faces, volume %.0f mm³ (%+.3f %%), area %.0f mm² (%+.3f %%), holes filled %d; vertices %@; %.0f s",
                             scene.rawValue, seed, scale, result.cloud.count, mesh.faces.count, volume, 100 * (volume / trueVolume - 1),
                             mesh.area, 100 * (mesh.area / trueArea - 1), result.meshing?.holes.filled.count ?? -1, vertices.description,
                             Date().timeIntervalSince(started)))
            }
            #expect(abs(volume / trueVolume - 1) <= 0.005, "\(scene) seed \(seed): volume \(volume) mm³, true \(trueVolume) mm³")
            #expect(abs(mesh.area / trueArea - 1) <= 0.01, "\(scene) seed \(seed): area \(mesh.area) mm², true \(trueArea) mm²")
            #expect(vertices.rms <= 0.15, "\(scene) seed \(seed): \(vertices)")
        }
    }
}
