import Foundation
import Geometry
import LinearAlgebra
import Metrology
import Surface
import Synthesis
import TestSupport
import Testing

/// Landmarks land on the mesh: points moved to the nearest surface point, camera picks
/// cast onto the first surface along the ray; anything else is refused naming the landmark.
@Suite struct LandmarkTests {
    static let rig = try! SyntheticRig({ var o = SyntheticRigOptions(); o.scale = 0.25; return o }())
    static let radius = 100.0
    /// The arc rig's subject: a sphere of radius 100 mm at the subject's centre, meshed.
    static let sphere: (mesh: TriangleMesh, centre: SIMD3<Double>) = {
        let c = rig.worldFromSubject.apply(.zero)
        var p: [SIMD3<Float>] = [], n: [SIMD3<Float>] = []
        let count = 60_000, golden = Double.pi * (3 - 5.0.squareRoot())
        for i in 0..<count {
            let z = 1 - 2 * (Double(i) + 0.5) / Double(count), r = (1 - z * z).squareRoot(), phi = Double(i) * golden
            let u = SIMD3(r * cos(phi), r * sin(phi), z)
            p.append(SIMD3<Float>(c + radius * u)); n.append(SIMD3<Float>(u))
        }
        var options = MeshingOptions()
        options.spacing = 2
        return (SurfaceMesher.mesh(positions: p, normals: n, options: options).mesh, c)
    }()

    static func file(_ entries: String) -> Data { Data("{\"format\": \"trinocular.landmarks/1\", \"landmarks\": [\(entries)]}".utf8) }

    @Test func pointsSnapToTheMeshAndPicksHitIt() throws {
        let (mesh, c) = Self.sphere
        // A surface point toward cam1 (the centre camera), 20° off the axis.
        let toCamera = normalize(Self.rig.rig.cameras[1].centre - c)
        let side = normalize(cross(toCamera, SIMD3(0, 1, 0)))
        let target = c + Self.radius * normalize(cos(0.35) * toCamera + sin(0.35) * side)
        let cam = Self.rig.rig.cameras[1]
        let pixel = try #require(cam.camera.project(target, camFromWorld: cam.camFromWorld))
        let outside = c + (Self.radius + 1.5) * normalize(target - c)
        let data = Self.file("""
            {"name": "tip", "point": [\(outside.x), \(outside.y), \(outside.z)]},
            {"name": "pick", "camera": "cam1", "pixel": [\(pixel.x), \(pixel.y)]}
            """)
        let landmarks = try Landmarks(json: data, file: "L.json", mesh: mesh, rig: Self.rig.rig)
        let tip = try landmarks.named("tip", file: "L.json"), pick = try landmarks.named("pick", file: "L.json")
        // The mesh sits within ~0.1 mm of the sphere (2 mm grid: r²/8R bias and chords).
        #expect(abs(length(tip.point - c) - Self.radius) < 0.1 && abs(tip.snapDistance - 1.5) < 0.1, "\(tip)")
        #expect(length(pick.point - target) < 0.2, "pick lands \(length(pick.point - target)) mm from its surface point")
        #expect(throws: LandmarkError.self) { try landmarks.named("nose", file: "L.json") }
    }

    @Test func unusableLandmarksAreRefusedByName() {
        let (mesh, c) = Self.sphere
        func refused(_ data: Data, rig: Rig? = Self.rig.rig, mentions: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try Landmarks(json: data, file: "L.json", mesh: mesh, rig: rig)
                Issue.record("accepted", sourceLocation: sourceLocation)
            } catch let e as LandmarkError {
                #expect(e.file == "L.json" && e.problem.contains(mentions), "\(e)", sourceLocation: sourceLocation)
            } catch { Issue.record("\(error)", sourceLocation: sourceLocation) }
        }
        let far = c + SIMD3(0, 0, -(Self.radius + 10))
        refused(Self.file("{\"name\": \"far\", \"point\": [\(far.x), \(far.y), \(far.z)]}"), mentions: "'far' is 10.0 mm off the mesh")
        refused(Self.file("{\"name\": \"miss\", \"camera\": \"cam1\", \"pixel\": [2, 2]}"), mentions: "'miss'")
        refused(Self.file("{\"name\": \"p\", \"camera\": \"cam9\", \"pixel\": [2, 2]}"), mentions: "no camera 'cam9'")
        refused(Self.file("{\"name\": \"p\", \"camera\": \"cam1\", \"pixel\": [2, 2]}"), rig: nil, mentions: "--rig")
        refused(Self.file("{\"name\": \"p\", \"camera\": \"cam1\", \"pixel\": [-50, 2]}"), mentions: "outside camera 'cam1'")
        refused(Self.file("{\"name\": \"a\", \"point\": [1, 2]}"), mentions: "'a' needs")
        let p = c + SIMD3(0, 0, -Self.radius)
        refused(Self.file("{\"name\": \"a\", \"point\": [\(p.x), \(p.y), \(p.z)]}, {\"name\": \"a\", \"point\": [\(p.x), \(p.y), \(p.z)]}"), mentions: "given twice")
        refused(Data("{\"landmarks\": []}".utf8), mentions: "format")
        refused(Data("not json".utf8), mentions: "not JSON")
    }

    /// Issue 19: in a study a landmark this capture's mesh cannot take (over a hole, a pick
    /// that misses) is kept aside with its reason, and only the measurements that need it
    /// fail; the file's own mistakes still refuse the file.
    @Test func unplacedLandmarksFailOnlyTheirMeasurements() throws {
        let (mesh, c) = Self.sphere
        let far = c + SIMD3(0, 0, -(Self.radius + 10)), a = c + SIMD3(0, 0, -Self.radius), b = c + SIMD3(Self.radius, 0, 0)
        let data = Self.file("""
            {"name": "a", "point": [\(a.x), \(a.y), \(a.z)]}, {"name": "b", "point": [\(b.x), \(b.y), \(b.z)]},
            {"name": "far", "point": [\(far.x), \(far.y), \(far.z)]}, {"name": "miss", "camera": "cam1", "pixel": [2, 2]}
            """)
        #expect(throws: LandmarkError.self) { try Landmarks(json: data, file: "L.json", mesh: mesh, rig: Self.rig.rig) }
        let landmarks = try Landmarks(json: data, file: "L.json", mesh: mesh, rig: Self.rig.rig, keepingUnplaced: true)
        #expect(landmarks.landmarks.map(\.name) == ["a", "b"] && landmarks.unplaced.map(\.name) == ["far", "miss"])
        #expect(landmarks.unplaced[0].reason.contains("10.0 mm off the mesh"))
        let plan = try MeasurementPlan(json: Data("""
            {"format": "trinocular.plan/1", "measurements": [
              {"name": "a-b", "type": "distance", "from": "a", "to": "b"},
              {"name": "a-far", "type": "geodesic", "from": "a", "to": "far"}]}
            """.utf8), file: "plan.json")
        let each = plan.measureEach(mesh, landmarks: landmarks, file: "plan.json")
        #expect(each.map(\.name) == ["a-b", "a-far"] && each.map(\.unit) == ["mm", "mm"])
        let ab = try each[0].result.get().value
        #expect(abs(ab - length(b - a)) < 0.2, "\(ab)")
        guard case let .failure(problem) = each[1].result else { Issue.record("a-far was measured"); return }
        #expect(problem.problem.contains("'a-far'") && problem.problem.contains("'far' is 10.0 mm off the mesh"), "\(problem)")
        // `measure`, all or nothing, refuses the plan naming the measurement.
        #expect(throws: PlanError.self) { try plan.measure(mesh, landmarks: landmarks, file: "plan.json") }
        // A camera the rig lacks is the file's mistake, not the mesh's.
        #expect(throws: LandmarkError.self) {
            try Landmarks(json: Self.file("{\"name\": \"p\", \"camera\": \"cam9\", \"pixel\": [2, 2]}"), file: "L.json", mesh: mesh, rig: Self.rig.rig, keepingUnplaced: true)
        }
    }
}
