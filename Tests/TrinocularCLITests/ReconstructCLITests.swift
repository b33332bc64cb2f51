import Foundation
import Geometry
import Imaging
import Interchange
import TestSupport
import Surface
import Testing

/// `trinocular reconstruct` as a user runs it: a small synthetic capture end to end, and
/// the bad inputs of issue #5 (exit 2, the file named, nothing written). Dense matching in
/// a debug build takes minutes even at 612 × 512, so these run with the release build
/// (scripts/test's second half, TRINOCULAR_ACCURACY=1).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil,
                             "runs the release binary: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct ReconstructCLITests {
    /// A small (scale 0.25, 612 × 512) noisy mounds capture written by `synth`.
    static func capture(in dir: URL) throws -> URL {
        let folder = dir.appendingPathComponent("capture")
        let run = try Run(["synth", "capture", "--scene", "mounds", "--out", folder.path, "--scale", "0.25", "--noise", "1.5"])
        #expect(run.status == 0, "\(run.stderr)")
        return folder
    }

    /// Vertex count and property names of a binary PLY's header.
    static func plyHeader(_ url: URL) throws -> (count: Int, properties: [String], bodyBytes: Int) {
        let data = try Data(contentsOf: url)
        let end = data.range(of: Data("end_header\n".utf8))!
        let header = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        var count = 0, properties: [String] = []
        for line in header.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.first == "element", f.count == 3 { count = Int(f[2])! }
            if f.first == "property" { properties.append(String(f.last!)) }
        }
        #expect(header.hasPrefix("ply\nformat binary_little_endian 1.0\n"))
        return (count, properties, data.count - end.upperBound)
    }

    @Test func reconstructsASyntheticCaptureEndToEnd() throws {
        let dir = try TestPaths.temporaryFolder("reconstruct")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = try Self.capture(in: dir)
        let out = dir.appendingPathComponent("out")
        let run = try Run(["reconstruct", capture.path, "--out", out.path, "--save-disparities", "--points"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("pair cam0–cam1") && run.stderr.contains("fused"))
        let ply = try Self.plyHeader(out.appendingPathComponent("points.ply"))
        #expect(ply.properties == ["x", "y", "z", "nx", "ny", "nz", "red", "green", "blue"])
        #expect(ply.bodyBytes == ply.count * 27)
        #expect(ply.count > 20_000, "\(ply.count) points from two 612 × 512 pairs")
        let report = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("reconstruction.json")))
        #expect(report["format"]?.string == "trinocular.reconstruction/1")
        #expect(report["points"]?.number == Double(ply.count))
        #expect(report["pairs"]?.array?.count == 2)
        for name in ["disparity-cam0-cam1.png", "confidence-cam0-cam1.png", "disparity-cam1-cam2.png"] {
            let info = try ImageFile.info(of: out.appendingPathComponent(name))
            #expect(info.width == 612 && info.height == 512 && info.bitDepth == 16)
        }
        // The mesh: PLY and OBJ hold the same surface, as reported, and `measure` reads it.
        let mesh = try PLYMesh.read(out.appendingPathComponent("mesh.ply"))
        let obj = try OBJMesh.read(out.appendingPathComponent("mesh.obj"))
        let meshReport = try #require(report["mesh"])
        #expect(mesh.faces.count > 10_000 && meshReport["faces"]?.number == Double(mesh.faces.count))
        // The OBJ groups faces by texture (camera): the same faces, in another order.
        #expect(obj.vertices.count == mesh.vertices.count && obj.faces.count == mesh.faces.count && Set(obj.faces) == Set(mesh.faces))
        #expect(mesh.colors != nil && mesh.normals != nil)
        #expect(meshReport["closed"] == .bool(false) && meshReport["volumeMm3"] == .null && meshReport["volumeRefused"]?.string != nil,
                "a capture from the front is an open surface: no volume")
        let objText = try String(contentsOf: out.appendingPathComponent("mesh.obj"), encoding: .utf8)
        #expect(objText.contains("mtllib mesh.mtl\n") && objText.contains("\nvt ") && objText.contains("\nusemtl cam"))
        // Textures: the cameras the report names, each a JPEG of the camera's size, in the MTL.
        let mtl = try String(contentsOf: out.appendingPathComponent("mesh.mtl"), encoding: .utf8)
        let textures = meshReport["texture"]?["files"]?.array?.compactMap(\.string) ?? []
        #expect(!textures.isEmpty)
        for file in textures {
            #expect(mtl.contains("map_Kd \(file)\n"))
            let info = try ImageFile.info(of: out.appendingPathComponent(file))
            #expect(info.width == 612 && info.height == 512, "\(file)")
        }
        let area = try #require(meshReport["areaMm2"]?.number)
        #expect(abs(mesh.area - area) < 1e-3 * area, "area from the file \(mesh.area) vs the report's \(area)")
        let measured = try Run(["measure", out.appendingPathComponent("mesh.ply").path, "--json"])
        #expect(measured.status == 0 && measured.stdout.contains("\"closed\""), "\(measured.stderr)")
        // The output folder is left alone without --force.
        let again = try Run(["reconstruct", capture.path, "--out", out.path])
        #expect(again.status == 2 && again.stderr.contains("--force"))
    }

    /// Issue 22: by default the mesh is simplified within 1/40 of the grid spacing of the full
    /// mesh's faces, mesh.obj has no vertex colours and no points.ply is written;
    /// --full-mesh keeps all three as before.
    @Test func defaultOutputsAreSimplifiedAndFullMeshKeepsEverything() throws {
        let dir = try TestPaths.temporaryFolder("reconstruct-sizes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = try Self.capture(in: dir)
        let lean = dir.appendingPathComponent("lean"), full = dir.appendingPathComponent("full")
        for (out, extra) in [(lean, [String]()), (full, ["--full-mesh"])] {
            let run = try Run(["reconstruct", capture.path, "--out", out.path, "--no-check"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: lean.appendingPathComponent("points.ply").path))
        #expect(fm.fileExists(atPath: full.appendingPathComponent("points.ply").path))
        let leanMesh = try PLYMesh.read(lean.appendingPathComponent("mesh.ply")), fullMesh = try PLYMesh.read(full.appendingPathComponent("mesh.ply"))
        #expect(leanMesh.faces.count * 2 < fullMesh.faces.count, "\(leanMesh.faces.count) of \(fullMesh.faces.count) faces")
        let report = try JSONValue.parse(Data(contentsOf: lean.appendingPathComponent("reconstruction.json")))
        let spacing = try #require(report["mesh"]?["spacingMm"]?.number)
        let error = try #require(report["mesh"]?["decimation"]?["maximumErrorMm"]?.number)
        #expect(error > 0 && error <= spacing / 40 + 1e-4, "simplified within \(error) mm at a \(spacing) mm grid")
        #expect(try JSONValue.parse(Data(contentsOf: full.appendingPathComponent("reconstruction.json")))["mesh"]?["decimation"] == .null)
        // The simplified surface stays within the bound of the full one (and its area).
        #expect(abs(leanMesh.area / fullMesh.area - 1) < 0.002, "areas \(leanMesh.area) vs \(fullMesh.area) mm²")
        func vertexLineFields(_ url: URL) throws -> Int {
            let text = try String(contentsOf: url.appendingPathComponent("mesh.obj"), encoding: .utf8)
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("v ") })
            return line.split(separator: " ").count - 1
        }
        #expect(try vertexLineFields(lean) == 3 && vertexLineFields(full) == 6, "x y z, or x y z r g b with --full-mesh")
        // Rerun without --full-mesh into that folder (--force): the old points.ply goes too.
        let rerun = try Run(["reconstruct", capture.path, "--out", full.path, "--no-check", "--force"])
        #expect(rerun.status == 0 && !fm.fileExists(atPath: full.appendingPathComponent("points.ply").path), "\(rerun.stderr)")
        // Contradictory options: refused (exit 2, saying why), nothing written.
        for (extra, says) in [(["--full-mesh", "--faces", "1000"], "drop --faces"), (["--no-mesh", "--vertex-colours"], "need a mesh")] {
            let refused = try Run(["reconstruct", capture.path, "--out", dir.appendingPathComponent("refused").path] + extra)
            #expect(refused.status == 2 && refused.stderr.contains(says), "\(refused.stderr)")
            #expect(!fm.fileExists(atPath: dir.appendingPathComponent("refused").path))
        }
    }

    @Test func badCapturesExitTwoNamingTheFileAndWriteNothing() throws {
        let dir = try TestPaths.temporaryFolder("reconstruct-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = try Self.capture(in: dir)
        func expectRefused(_ folder: URL, _ extra: [String] = [], mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let out = dir.appendingPathComponent("out-\(UUID().uuidString)")
            let run = try Run(["reconstruct", folder.path, "--out", out.path] + extra)
            #expect(run.status == 2, "\(run.stderr)", sourceLocation: sourceLocation)
            for m in mentions { #expect(run.stderr.contains(m), "\(run.stderr)", sourceLocation: sourceLocation) }
            #expect(!FileManager.default.fileExists(atPath: out.path), sourceLocation: sourceLocation)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("partial") }
            #expect(leftovers.isEmpty, sourceLocation: sourceLocation)
        }
        let fm = FileManager.default
        // A camera's image missing.
        let missing = dir.appendingPathComponent("missing")
        try fm.copyItem(at: capture, to: missing)
        try fm.removeItem(at: missing.appendingPathComponent("cam2.png"))
        try expectRefused(missing, mentions: ["cam2", "missing image"])
        // An image of another size than the rig's.
        let resized = dir.appendingPathComponent("resized")
        try fm.copyItem(at: capture, to: resized)
        try ImageFile.write(Image<UInt8>(width: 600, height: 500, layout: .gray, repeating: 128), to: resized.appendingPathComponent("cam1.png"))
        try expectRefused(resized, mentions: ["cam1.png", "600×500"])
        // An all-black image.
        let black = dir.appendingPathComponent("black")
        try fm.copyItem(at: capture, to: black)
        try ImageFile.write(Image<UInt8>(width: 612, height: 512, layout: .gray, repeating: 0), to: black.appendingPathComponent("cam0.png"))
        try expectRefused(black, mentions: ["cam0.png", "blank"])
        // A rig with a single camera (and only its image).
        let single = dir.appendingPathComponent("single")
        try fm.createDirectory(at: single, withIntermediateDirectories: true)
        try fm.copyItem(at: capture.appendingPathComponent("cam0.png"), to: single.appendingPathComponent("cam0.png"))
        let rig = try Rig(contentsOf: capture.appendingPathComponent("rig.json"))
        try Rig(cameras: [rig.cameras[0]]).write(to: single.appendingPathComponent("rig.json"))
        try expectRefused(single, mentions: ["rig.json", "two or more"])
        // A working range where the subject is not: nothing matches, and that is an error.
        try expectRefused(capture, ["--working-range", "3000-4000"], mentions: ["no surface point"])
    }
}
