import Foundation
import Surface
import TestSupport
import Testing

/// Exported meshes open in other people's tools with the same counts: trimesh (Python)
/// reads our binary and ASCII PLY and our OBJ. `scripts/test` sets TRINOCULAR_PYTHON to a
/// Python that has trimesh (it makes one); without it the test is skipped.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TRINOCULAR_PYTHON"] != nil,
                "needs TRINOCULAR_PYTHON: a python3 with trimesh (scripts/test provides one)"))
struct MeshReadersTests {
    @Test func trimeshReadsOurFilesWithTheSameCountsAndVolume() throws {
        let python = ProcessInfo.processInfo.environment["TRINOCULAR_PYTHON"]!
        var g = SeededGenerator(seed: 11)
        var points: [SIMD3<Float>] = [], normals: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>] = []
        for _ in 0..<30_000 {
            var u = SIMD3(g.gaussian(), g.gaussian(), g.gaussian()); u /= (u * u).sum().squareRoot()
            points.append(SIMD3<Float>(SIMD3(10, 20, 800) + 15 * u)); normals.append(SIMD3<Float>(u))
            colors.append(SIMD3<UInt8>(UInt8(128 + 100 * u.x), UInt8(128 + 100 * u.y), 90))
        }
        let (mesh, report) = SurfaceMesher.mesh(positions: points, normals: normals, colors: colors)
        #expect(report.topology.isClosed)
        let volume = try mesh.volume()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-readers-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(PLYMesh.encode(mesh)).write(to: folder.appendingPathComponent("mesh.ply"))
        try Data(PLYMesh.encode(mesh, encoding: .ascii)).write(to: folder.appendingPathComponent("ascii.ply"))
        try Data(OBJMesh.encode(mesh, materialLibrary: "mesh.mtl")).write(to: folder.appendingPathComponent("mesh.obj"))
        try Data(OBJMesh.material()).write(to: folder.appendingPathComponent("mesh.mtl"))
        // A textured OBJ: two materials (images need not exist for the geometry to load),
        // coordinates from the vertices' longitude and latitude.
        let coordinates = mesh.vertices.map { v -> SIMD2<Float> in
            let d = v - SIMD3(10, 20, 800)
            return SIMD2(Float(atan2(d.y, d.x) / (2 * .pi) + 0.5), Float(acos(max(-1, min(1, d.z / 15))) / .pi))
        }
        let atlas = TextureAtlas(materials: ["cam0", "cam1"], textureFiles: ["texture-cam0.jpg", "texture-cam1.jpg"],
                                 coordinates: coordinates, faceCoordinates: mesh.faces,
                                 faceMaterial: mesh.faces.map { mesh.vertices[Int($0.x)].x > 10 ? 0 : 1 })
        try Data(OBJMesh.encode(mesh, atlas: atlas, materialLibrary: "textured.mtl")).write(to: folder.appendingPathComponent("textured.obj"))
        try Data(OBJMesh.material(atlas: atlas)).write(to: folder.appendingPathComponent("textured.mtl"))
        let script = """
            import sys, trimesh
            for name in ["mesh.ply", "ascii.ply", "mesh.obj"]:
                m = trimesh.load(sys.argv[1] + "/" + name, process=False, force="mesh")
                print(name, len(m.vertices), len(m.faces), int(m.is_watertight), repr(float(m.volume)))
            s = trimesh.load(sys.argv[1] + "/textured.obj", process=False, force="mesh")
            print("textured", len(s.faces))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.path]
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe; process.standardError = errors
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(problems)")
        let lines = output.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.count == 4, "\(output)\(problems)")
        // With texture coordinates trimesh splits vertices by (v, vt) pair; the faces stay.
        #expect(lines.last.map { $0.count == 2 && $0[0] == "textured" && Int($0[1]) == mesh.faces.count } == true, "\(output)")
        for line in lines where line.count == 5 {
            #expect(Int(line[1]) == mesh.vertices.count && Int(line[2]) == mesh.faces.count,
                    "\(line[0]): trimesh read \(line[1]) vertices, \(line[2]) faces; we wrote \(mesh.vertices.count), \(mesh.faces.count)")
            #expect(line[3] == "1", "\(line[0]): trimesh does not find it watertight")
            // Files hold float32 positions (0.1 µm at 800 mm): volumes agree to 1e-6.
            let theirs = Double(line[4]) ?? .nan
            #expect(abs(theirs / volume - 1) < 1e-6, "\(line[0]): trimesh volume \(theirs) mm³, ours \(volume) mm³")
        }
    }
}
