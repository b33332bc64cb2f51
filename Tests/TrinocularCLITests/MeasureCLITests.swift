import Foundation
import Geometry
import Interchange
import LinearAlgebra
import Surface
import TestSupport
import Testing

/// `trinocular measure MESH`: a closed mesh gets its volume, an open one is refused it, a
/// corrupt file exits 2 naming it.
@Suite struct MeasureCLITests {
    /// A cube of side 20 mm, 12 outward triangles.
    static func cube(open: Bool) -> TriangleMesh {
        var v: [SIMD3<Double>] = []
        for i in 0..<8 {
            let x = Double(i & 1), y = Double((i >> 1) & 1), z = Double((i >> 2) & 1)
            v.append(SIMD3(20 * x, 20 * y, 20 * z))
        }
        let triples: [[Int32]] = [[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
                                  [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]]
        var f = triples.map { SIMD3<Int32>($0[0], $0[1], $0[2]) }
        if open { f.removeLast(2) }
        return TriangleMesh(vertices: v, faces: f)
    }

    @Test func closedOpenAndCorruptMeshes() throws {
        let dir = try TestPaths.temporaryFolder("measure")
        defer { try? FileManager.default.removeItem(at: dir) }
        let closed = dir.appendingPathComponent("cube.ply"), open = dir.appendingPathComponent("open.ply"), bad = dir.appendingPathComponent("bad.ply")
        try Data(PLYMesh.encode(Self.cube(open: false))).write(to: closed)
        try Data(PLYMesh.encode(Self.cube(open: true), encoding: .ascii)).write(to: open)
        try Data(PLYMesh.encode(Self.cube(open: false)).dropLast(7)).write(to: bad)

        let a = try Run(["measure", closed.path, "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let ja = try JSONValue.parse(Data(a.stdout.utf8))
        #expect(ja["closed"]?.bool == true)
        #expect(abs((ja["volumeMm3"]?.number ?? 0) - 8000) < 1e-6)
        #expect(abs((ja["areaMm2"]?.number ?? 0) - 2400) < 1e-6)

        let b = try Run(["measure", open.path])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stdout.contains("closed    no: 4 boundary edges") && b.stdout.contains("volume    refused"))

        let c = try Run(["measure", bad.path])
        #expect(c.status == 2 && c.stderr.contains("bad.ply") && c.stderr.contains("truncated"))
    }

    /// Landmarks on a 20 mm cube and a plan: exact answers by unfolding the cube.
    @Test func landmarksAndPlanOnACube() throws {
        let dir = try TestPaths.temporaryFolder("measure-plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let mesh = dir.appendingPathComponent("cube.ply")
        try Data(PLYMesh.encode(Self.cube(open: false))).write(to: mesh)
        func write(_ name: String, _ text: String) throws -> String {
            let url = dir.appendingPathComponent(name); try Data(text.utf8).write(to: url); return url.path
        }
        let landmarks = try write("landmarks.json", """
            {"format": "trinocular.landmarks/1", "landmarks": [
              {"name": "a", "point": [0, 10, 2]}, {"name": "b", "point": [20, 10, 3.5]},
              {"name": "p", "point": [0, 5, 10]}, {"name": "q", "point": [20, 5, 10]}, {"name": "r", "point": [10, -0.5, 10]}]}
            """)
        let plan = try write("plan.json", """
            {"format": "trinocular.plan/1", "measurements": [
              {"name": "straight", "type": "distance", "from": "a", "to": "b"},
              {"name": "over the bottom", "type": "geodesic", "from": "a", "to": "b"},
              {"name": "girth", "type": "contour", "through": ["p", "q", "r"]},
              {"name": "girth by normal", "type": "contour", "through": ["p"], "normal": [0, 0, 1]}]}
            """)
        let run = try Run(["measure", mesh.path, "--landmarks", landmarks, "--plan", plan, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let j = try JSONValue.parse(Data(run.stdout.utf8))
        let values = Dictionary(uniqueKeysWithValues: (j["measurements"]?.array ?? []).map { ($0["name"]?.string ?? "", $0["value"]?.number ?? .nan) })
        // a and b on opposite faces at heights 2 and 3.5: unfolded over the bottom, 2 + 20 + 3.5.
        #expect(abs((values["straight"] ?? 0) - (400 + 2.25).squareRoot()) < 1e-9)
        #expect(abs((values["over the bottom"] ?? 0) - 25.5) < 1e-6, "\(values)")
        #expect(abs((values["girth"] ?? 0) - 80) < 1e-9 && abs((values["girth by normal"] ?? 0) - 80) < 1e-9, "\(values)")
        // r was 0.5 mm off the cube: moved onto it.
        let r = j["landmarks"]?.array?.first { $0["name"]?.string == "r" }
        #expect(abs((r?["movedMm"]?.number ?? 0) - 0.5) < 1e-9)
        let pathsDir = dir.appendingPathComponent("paths")
        let table = try Run(["measure", mesh.path, "--landmarks", landmarks, "--plan", plan, "--paths", pathsDir.path])
        // The geodesic as an OBJ polyline: its length is the reported one.
        let obj = try String(contentsOf: pathsDir.appendingPathComponent("measurement-02.obj"), encoding: .utf8)
        let vs = obj.split(separator: "\n").filter { $0.hasPrefix("v ") }.map { $0.split(separator: " ").dropFirst().compactMap { Double($0) } }
        var polyline = 0.0
        for k in 1..<vs.count { polyline += zip(vs[k], vs[k - 1]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
        #expect(obj.contains("\nl 1 2") && abs(polyline - 25.5) < 1e-6, "\(obj)")
        #expect(table.status == 0 && table.stdout.contains("girth") && table.stdout.contains("80.00 ± 0.94 mm (closed curve)"), "\(table.stdout)")

        // Bad input names the landmark (exit 2).
        let unknown = try write("unknown.json", """
            {"format": "trinocular.plan/1", "measurements": [{"name": "x", "type": "distance", "from": "a", "to": "nose"}]}
            """)
        let u = try Run(["measure", mesh.path, "--landmarks", landmarks, "--plan", unknown])
        #expect(u.status == 2 && u.stderr.contains("'nose'") && u.stderr.contains("unknown.json"), "\(u.stderr)")
        let off = try write("off.json", """
            {"format": "trinocular.landmarks/1", "landmarks": [{"name": "far", "point": [50, 50, 50]}]}
            """)
        let o = try Run(["measure", mesh.path, "--landmarks", off])
        #expect(o.status == 2 && o.stderr.contains("'far'") && o.stderr.contains("off the mesh"), "\(o.stderr)")
        // A region on a flat patch (z = 20, 2 mm grid): the triangle's exact area (its sides
        // run straight, here along no edge's wrong side); a loop that does not return to its
        // first landmark is refused naming both ends.
        let flat = dir.appendingPathComponent("flat.ply")
        try Data(PLYMesh.encode(MeshFixtures.heightField(half: 30, step: 2) { _, _ in 20 })).write(to: flat)
        let top = try write("top.json", """
            {"format": "trinocular.landmarks/1", "landmarks": [
              {"name": "t1", "point": [2, 3, 20]}, {"name": "t2", "point": [17, 4, 20]}, {"name": "t3", "point": [9, 18, 20]}]}
            """)
        let areaPlan = try write("area.json", """
            {"format": "trinocular.plan/1", "measurements": [{"name": "patch", "type": "area", "loop": ["t1", "t2", "t3", "t1"]}]}
            """)
        let area = try Run(["measure", flat.path, "--landmarks", top, "--plan", areaPlan, "--json"])
        let patch = try JSONValue.parse(Data(area.stdout.utf8))["measurements"]?.array?.first
        #expect(area.status == 0 && abs((patch?["value"]?.number ?? 0) - 0.5 * abs(15 * 15 - 1 * 7)) < 0.003 * 109, "\(area.stdout) \(area.stderr)")
        #expect((patch?["uncertainty"]?.number ?? 0) > 0 && patch?["uncertaintyMethod"]?.string != nil)
        let unclosed = try write("unclosed.json", """
            {"format": "trinocular.plan/1", "measurements": [{"name": "patch", "type": "volume", "loop": ["t1", "t2", "t3"]}]}
            """)
        let uc = try Run(["measure", flat.path, "--landmarks", top, "--plan", unclosed])
        #expect(uc.status == 2 && uc.stderr.contains("does not close") && uc.stderr.contains("'t3'") && uc.stderr.contains("'t1'"), "\(uc.stderr)")
        let n = try Run(["measure", mesh.path, "--plan", plan])
        #expect(n.status == 2 && n.stderr.contains("--landmarks"), "\(n.stderr)")
    }

    /// Issue 19: landmarks placed on a baseline capture's mesh are carried onto another
    /// capture of the same subject (here the exact torso skin, turned 4° and moved 14 mm) by
    /// registration: the same measurements as on the baseline, the turn recovered, and the
    /// residual reported. Without --landmarks-on the same file is refused (14 mm off).
    @Test func landmarksCarriedFromABaselineMesh() throws {
        let dir = try TestPaths.temporaryFolder("measure-carried")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = TorsoFixtures.scene(separation: 5)
        let baseline = TorsoFixtures.mesh(scene, step: 2)
        let motion = RigidTransform(rodrigues: 4 * Double.pi / 180 * normalize(SIMD3(0.2, 1, -0.3)), translation: SIMD3(8, -6, 10))
        let moved = TriangleMesh(vertices: baseline.vertices.map(motion.apply), faces: baseline.faces)
        let baselineURL = dir.appendingPathComponent("baseline.ply"), movedURL = dir.appendingPathComponent("later.ply")
        try Data(PLYMesh.encode(baseline)).write(to: baselineURL)
        try Data(PLYMesh.encode(moved)).write(to: movedURL)
        let loop = TorsoFixtures.loop(scene, mound: 0, sigmas: 3)
        let entries = loop.map { "{\"name\": \"\($0.name)\", \"point\": [\($0.point.x), \($0.point.y), \($0.point.z)]}" }
        let landmarks = dir.appendingPathComponent("landmarks.json"), plan = dir.appendingPathComponent("plan.json")
        try Data("{\"format\": \"trinocular.landmarks/1\", \"landmarks\": [\(entries.joined(separator: ", "))]}".utf8).write(to: landmarks)
        let names = loop.map { "\"\($0.name)\"" }
        try Data("""
            {"format": "trinocular.plan/1", "measurements": [
              {"name": "right volume", "type": "volume", "loop": [\(names.joined(separator: ", ")), \(names[0])]},
              {"name": "across", "type": "geodesic", "from": "right-0", "to": "right-12"}]}
            """.utf8).write(to: plan)
        func values(_ run: Run) throws -> [String: Double] {
            let j = try JSONValue.parse(Data(run.stdout.utf8))
            return Dictionary(uniqueKeysWithValues: (j["measurements"]?.array ?? []).map { ($0["name"]?.string ?? "", $0["value"]?.number ?? .nan) })
        }
        let direct = try Run(["measure", baselineURL.path, "--landmarks", landmarks.path, "--plan", plan.path, "--json"])
        #expect(direct.status == 0, "\(direct.stderr)")
        let carried = try Run(["measure", movedURL.path, "--landmarks", landmarks.path, "--landmarks-on", baselineURL.path, "--plan", plan.path, "--json"])
        #expect(carried.status == 0, "\(carried.stderr)")
        let a = try values(direct), b = try values(carried)
        #expect(abs(b["right volume"]! / a["right volume"]! - 1) < 0.002 && abs(b["across"]! - a["across"]!) < 0.05, "\(a) vs \(b)")
        let transfer = try JSONValue.parse(Data(carried.stdout.utf8))["landmarkTransfer"]
        #expect((transfer?["rmsMm"]?.number ?? 1) < 0.01 && abs((transfer?["rotationDegrees"]?.number ?? 0) - 4) < 0.05, "\(String(describing: transfer))")
        let refused = try Run(["measure", movedURL.path, "--landmarks", landmarks.path, "--plan", plan.path])
        #expect(refused.status == 2 && refused.stderr.contains("off the mesh"), "\(refused.stderr)")
    }
}
