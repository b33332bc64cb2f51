import Foundation
import Geometry
import LinearAlgebra
import Metrology
import Pipeline
import Surface
import Synthesis
import TestSupport
import Testing

/// Issue #7's ground-truth acceptance on the mounds scene (5 MP, five cameras on the arc
/// 18° apart, noise σ 1.5,
/// reconstructed end to end): region volumes, a geodesic and a contour against closed
/// forms; then the same subject with one mound 10 % higher, turned 6° and shifted 20 mm:
/// recovered motion and volume change. Seeds: TRINOCULAR_SEEDS (default 1).
@Suite(.enabled(if: accuracyRun, "full-size accuracy runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"), .serialized)
struct MetrologyAccuracyTests {
    static let figures = ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil

    /// Landmarks (subject frame → world) and the plan: a loop of 12 round each mound's
    /// footprint — 100 mm (4σ) from its centre, but 72 mm on the side facing the other mound
    /// (half-way) — a helix above the mounds, a vertical profile over the right mound.
    static func landmarksAndPlan(_ scene: MoundsScene, world: RigidTransform) -> (landmarks: String, plan: String) {
        var entries: [String] = [], items: [String] = []
        func add(_ name: String, _ theta: Double, _ y: Double) {
            let p = world.apply(scene.skinPoint(theta: theta, y: y))
            entries.append("{\"name\": \"\(name)\", \"point\": [\(p.x), \(p.y), \(p.z)]}")
        }
        for m in scene.mounds {
            let inward = m.theta < 0 ? 1.0 : -1.0
            var names: [String] = []
            for k in 0..<12 {
                let a = 2 * Double.pi * Double(k) / 12, du = cos(a), dv = sin(a)
                let radius = du * inward > 0.3 ? 72.0 : 100.0
                let name = "\(m.name)-\(k)"
                add(name, m.theta + radius * du / scene.radius, m.y + radius * dv)
                names.append("\"\(name)\"")
            }
            items.append("{\"name\": \"\(m.name) volume\", \"type\": \"volume\", \"loop\": [\(names.joined(separator: ", ")), \(names[0])]}")
        }
        add("g1", -0.4, -85); add("g2", 0.4, -70)
        items.append("{\"name\": \"helix\", \"type\": \"geodesic\", \"from\": \"g1\", \"to\": \"g2\"}")
        let right = scene.mounds[0]
        add("p1", right.theta, -60); add("p2", right.theta, 100)
        let normal = world.rotation.matrix * SIMD3(cos(right.theta), 0, sin(right.theta))
        items.append("{\"name\": \"profile\", \"type\": \"contour\", \"through\": [\"p1\"], \"normal\": [\(normal.x), \(normal.y), \(normal.z)], \"from\": \"p1\", \"to\": \"p2\"}")
        return ("{\"format\": \"trinocular.landmarks/1\", \"landmarks\": [\(entries.joined(separator: ", "))]}",
                "{\"format\": \"trinocular.plan/1\", \"measurements\": [\(items.joined(separator: ", "))]}")
    }

    static func reconstruct(_ spec: CaptureSpec, _ label: String) throws -> (TriangleMesh, SyntheticCapture) {
        let synthetic = try SyntheticCapture(spec)
        let result = try synthetic.withTemporaryFolder(label) { try Reconstructor.run(try Capture(folder: $0), options: ReconstructionOptions()) }
        return (try #require(result.mesh), synthetic)
    }

    @Test("mounds: region volumes within 2 %, geodesic and contour within 0.5 %; pre/post motion and volume change")
    func mounds() throws {
        for seed in ReconstructionAccuracyTests.seeds {
            var spec = CaptureSpec(scene: .mounds)
            spec.rig.seed = seed; spec.render.seed = seed; spec.render.noiseSigma = 1.5
            // Five cameras 18° apart (±36°): the breast standard's obliques see each mound's
            // outer flank, which the three-camera arc (±18°) leaves unseen.
            spec.rig.cameraCount = Int(ProcessInfo.processInfo.environment["TRINOCULAR_METROLOGY_CAMERAS"] ?? "") ?? 5
            // CI renders at half size (1224 × 1024; 5 MP takes five minutes);
            // TRINOCULAR_METROLOGY_SCALE=1 for the full-size acceptance.
            spec.rig.scale = Double(ProcessInfo.processInfo.environment["TRINOCULAR_METROLOGY_SCALE"] ?? "") ?? 0.5
            let (mesh, synthetic) = try Self.reconstruct(spec, "metrology-mounds-\(seed)")
            let scene = MoundsScene()
            let world = synthetic.rig.worldFromSubject
            let (landmarksJSON, planJSON) = Self.landmarksAndPlan(scene, world: world)
            let landmarks = try Landmarks(json: Data(landmarksJSON.utf8), file: "landmarks.json", mesh: mesh, rig: nil)
            let values = try MeasurementPlan(json: Data(planJSON.utf8), file: "plan.json").measure(mesh, landmarks: landmarks, file: "plan.json")
            func value(_ name: String) throws -> MeasuredValue { try #require(values.first { $0.name == name }) }
            for m in scene.mounds {
                let v = try value("\(m.name) volume"), truth = scene.volume(of: m)
                if Self.figures { print(String(format: "FIGURE metrology seed %d: %@ volume %.0f ± %.0f mm³, truth %.0f (%+.2f %%); %@", seed, m.name, v.value, v.uncertainty, truth, 100 * (v.value / truth - 1), v.method)) }
                #expect(abs(v.value / truth - 1) <= 0.02, "seed \(seed): \(m.name) mound \(v.value) mm³ vs \(truth)")
            }
            let helix = try value("helix"), helixTruth = (pow(scene.radius * 0.8, 2) + 15 * 15).squareRoot()
            // The true profile: ρ(y) = R + h(θ, y) in the plane through the axis at the mound's θ.
            var profileTruth = 0.0
            let right = scene.mounds[0], steps = 20_000
            var previous = scene.skinPoint(theta: right.theta, y: -60)
            for k in 1...steps {
                let p = scene.skinPoint(theta: right.theta, y: -60 + 160 * Double(k) / Double(steps))
                profileTruth += length(p - previous); previous = p
            }
            let profile = try value("profile")
            if Self.figures {
                print(String(format: "FIGURE metrology seed %d: helix geodesic %.3f mm vs %.3f (%+.3f %%); profile contour %.3f mm vs %.3f (%+.3f %%)",
                             seed, helix.value, helixTruth, 100 * (helix.value / helixTruth - 1), profile.value, profileTruth, 100 * (profile.value / profileTruth - 1)))
            }
            #expect(abs(helix.value / helixTruth - 1) <= 0.005, "seed \(seed): helix \(helix.value) vs \(helixTruth)")
            #expect(abs(profile.value / profileTruth - 1) <= 0.005, "seed \(seed): profile \(profile.value) vs \(profileTruth)")

            // Post: the right mound 10 % higher, the subject turned 6° and shifted 20.5 mm.
            var post = spec
            var bigger = scene.mounds
            bigger[0].amplitude *= 1.1
            let postScene = MoundsScene(mounds: bigger)
            post.sceneOverride = postScene
            let motion = RigidTransform(rodrigues: 6 * Double.pi / 180 * normalize(SIMD3(0.3, 1, 0.2)), translation: SIMD3(14, -9, 12))
            post.subjectMotion = motion
            let (after, _) = try Self.reconstruct(post, "metrology-mounds-post-\(seed)")
            let loops = try scene.mounds.map { m in
                (name: m.name, loop: try (0..<12).map { k in try #require(landmarks.landmarks.first { $0.name == "\(m.name)-\(k)" }) })
            }
            if let dir = ProcessInfo.processInfo.environment["TRINOCULAR_SAVE_MESHES"] {
                try Data(PLYMesh.encode(mesh)).write(to: URL(fileURLWithPath: dir + "/pre-\(seed).ply"))
                try Data(PLYMesh.encode(after)).write(to: URL(fileURLWithPath: dir + "/post-\(seed).ply"))
                try Data(landmarksJSON.utf8).write(to: URL(fileURLWithPath: dir + "/landmarks-\(seed).json"))
                try Data(planJSON.utf8).write(to: URL(fileURLWithPath: dir + "/plan-\(seed).json"))
            }
            // The left mound is unchanged: it stays in the registration (the cylinder alone
            // would leave a turn about its axis free).
            let comparison = try MeshComparison.compare(before: mesh, after: after, regions: loops, unchanged: ["left"])
            // x_pre = W M⁻¹ W⁻¹ x_post.
            let expected = world * motion.inverse * world.inverse
            let t = comparison.registration.transform
            let residual = expected.inverse * t
            let trace = residual.rotation.matrix.row0.x + residual.rotation.matrix.row1.y + residual.rotation.matrix.row2.z
            let angleError = acos(min(max((trace - 1) / 2, -1), 1)) * 180 / .pi
            let centre = (world * motion).apply(.zero)
            let shiftError = length(t.apply(centre) - expected.apply(centre))
            let changeTruth = postScene.volume(of: bigger[0]) - scene.volume(of: scene.mounds[0])
            let grown = comparison.regions[0], same = comparison.regions[1]
            if Self.figures {
                print(String(format: "FIGURE metrology seed %d: motion error %.4f° and %.3f mm at the subject's centre (ICP RMS %.3f mm, %.1f %% inliers); grown mound change %.0f ± %.0f mm³ vs %.0f (%+.2f %%); unchanged mound %+.0f mm³ (%+.2f %% of %.0f)",
                             seed, angleError, shiftError, comparison.registration.rms, 100 * comparison.registration.inlierFraction,
                             grown.change, grown.uncertainty, changeTruth, 100 * (grown.change / changeTruth - 1), same.change, 100 * same.change / same.before, same.before))
            }
            #expect(angleError <= 0.05, "seed \(seed): rotation off by \(angleError)°")
            #expect(shiftError <= 0.2, "seed \(seed): centre off by \(shiftError) mm")
            #expect(abs(grown.change / changeTruth - 1) <= 0.03, "seed \(seed): change \(grown.change) vs \(changeTruth)")
            #expect(abs(same.change) <= 0.01 * same.before, "seed \(seed): unchanged mound moved \(same.change) mm³")
        }
    }
}
