import Foundation
import Surface
import Testing

@Suite struct OBJMeshTests {
    @Test func roundTripKeepsCountsColoursAndVolume() throws {
        var mesh = PLYMeshTests.torus
        mesh.colors = mesh.vertices.indices.map { SIMD3(UInt8($0 % 256), 0, 255) }
        mesh.normals = mesh.vertices.map { _ in SIMD3<Float>(0, 0, 1) }
        let back = try OBJMesh.decode(OBJMesh.encode(mesh, comments: ["torus"]), file: "torus.obj")
        #expect(back.vertices.count == mesh.vertices.count && back.faces == mesh.faces && back.colors == mesh.colors)
        #expect(abs(try back.volume() - mesh.volume()) / (try mesh.volume()) < 1e-6)
    }

    @Test func referencesOfEveryFormAndPolygons() throws {
        let text = "# a square\nmtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\ng sq\nf 1/1/1 2//1 -2 4/1\n"
        let mesh = try OBJMesh.decode(Array(text.utf8), file: "sq.obj")
        #expect(mesh.faces == [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        #expect(abs(mesh.area - 1) < 1e-12)
    }

    /// Issue 20: a textured OBJ reads back with its atlas (coordinates, corners, materials),
    /// and its material library gives each material's image — only a file beside the OBJ.
    @Test func texturedMeshesReadBackWithTheirAtlas() throws {
        let mesh = TriangleMesh(vertices: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 0), SIMD3(0, 1, 0)], faces: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        let atlas = TextureAtlas(materials: ["cam0", "cam1"], textureFiles: ["cam0.png", "cam1.jpg"],
                                 coordinates: [SIMD2(0.1, 0.2), SIMD2(0.9, 0.2), SIMD2(0.9, 0.8), SIMD2(0.1, 0.8)],
                                 faceCoordinates: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)], faceMaterial: [1, 0])
        let (back, read, library) = try OBJMesh.decodeTextured(OBJMesh.encode(mesh, atlas: atlas, materialLibrary: "mesh.mtl"), file: "t.obj")
        let got = try #require(read)
        #expect(Set(back.faces.map { [$0.x, $0.y, $0.z] }) == Set(mesh.faces.map { [$0.x, $0.y, $0.z] }) && library == "mesh.mtl")
        // Faces are grouped by material on writing: each read face against the same face written.
        for f in back.faces.indices {
            let o = try #require(mesh.faces.firstIndex(of: back.faces[f]))
            let k = got.faceCoordinates[f], original = atlas.faceCoordinates[o]
            #expect(got.materials[Int(got.faceMaterial[f])] == atlas.materials[Int(atlas.faceMaterial[o])])
            for (a, b) in [(k.x, original.x), (k.y, original.y), (k.z, original.z)] {
                let difference: SIMD2<Float> = got.coordinates[Int(a)] - atlas.coordinates[Int(b)]
                let worst: Float = max(abs(difference.x), abs(difference.y))
                #expect(worst < 1e-6)
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("obj-mtl-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mtl = dir.appendingPathComponent("mesh.mtl")
        try Data(OBJMesh.material(atlas: atlas)).write(to: mtl)
        #expect(try TextureAtlas.imageFiles(materials: got.materials, mtl: mtl) == got.materials.map { $0 == "cam0" ? "cam0.png" : "cam1.jpg" })
        try Data("newmtl cam0\nmap_Kd ../../etc/passwd\n".utf8).write(to: mtl)
        #expect(throws: MeshFileError.self) { try TextureAtlas.imageFiles(materials: ["cam0"], mtl: mtl) }
        // Faces without texture coordinates: no atlas.
        #expect(try OBJMesh.decodeTextured(Array("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".utf8), file: "p.obj").atlas == nil)
    }

    @Test func malformedFilesNameTheLine() throws {
        func problem(_ text: String) -> String? {
            do { _ = try OBJMesh.decode(Array(text.utf8), file: "m.obj"); return nil } catch let e as MeshFileError { return e.problem } catch { return "\(error)" }
        }
        #expect(problem("v 0 0 0\nv 1 0 0\nf 1 2 3\n") == "line 3: face names vertex 3, but 2 are defined so far")
        #expect(problem("v 0 0 nan\n")?.hasPrefix("line 1:") == true)
        #expect(problem("v 0 0\n")?.contains("x y z") == true)
        #expect(problem("solid ascii\n")?.contains("unknown statement") == true)
        #expect(problem("")?.contains("not an OBJ mesh") == true)
        #expect(problem("v 0 0 0\nf 1 1 -9\n") == "line 2: face names vertex -9, but 1 are defined so far")
        #expect(problem("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999999999999\n")?.contains("is not a vertex reference") == true)
        #expect(problem("v 0 0 0x\n")?.contains("\"0x\" is not a finite number") == true)
        // Windows line ends (CR LF) and comments read like Unix ones.
        let crlf = try OBJMesh.decode(Array("# made elsewhere\r\nv 0 0 0\r\nv 1 0 0 # a comment\r\nv 0 1 0\r\nf 1 2 3\r\n".utf8), file: "w.obj")
        #expect(crlf.vertices.count == 3 && crlf.faces == [SIMD3(0, 1, 2)])
        #expect(throws: MeshFileError.self) { try OBJMesh.decode([0x76, 0x20, 0xFF, 0x0A], file: "bad.obj") }
    }

    /// 1,000 damaged variants only throw `MeshFileError` (or read), never crash or hang.
    @Test func corruptedVariantsOnlyThrow() throws {
        let source = OBJMesh.encode(PLYMeshTests.torus)
        var state: UInt64 = 0xD1B5_4A32_D192_ED03
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        var thrown = 0, read = 0
        for k in 0..<1000 {
            var bytes = source
            switch k % 3 {
            case 0: bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count))))
            case 1: for _ in 0..<(1 + Int(next() % 8)) { let i = Int(next() % UInt64(bytes.count)); bytes[i] ^= UInt8(1 << (next() % 8)) }
            default: let i = Int(next() % UInt64(bytes.count)); bytes.insert(contentsOf: Array(" -99999 /".utf8), at: i)
            }
            do { _ = try OBJMesh.decode(bytes, file: "v\(k).obj"); read += 1 } catch is MeshFileError { thrown += 1 }
        }
        #expect(thrown + read == 1000)
        #expect(thrown > 300, "\(thrown) of 1000 damaged files refused")
    }
}
