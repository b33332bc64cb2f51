import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Surface
import TestSupport
import Testing

/// `trinocular render` (issue 20): a sphere drawn through a rig camera covers its disc, the
/// PNG carries no metadata and is private; bad views and a missing rig exit 2.
struct RenderCLITests {
    @Test func aSphereThroughARigCameraAndTheMistakes() throws {
        let dir = try TestPaths.temporaryFolder("render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (r, d, f) = (60.0, 700.0, 1800.0)
        let mesh = dir.appendingPathComponent("sphere.ply"), rig = dir.appendingPathComponent("rig.json")
        try Data(PLYMesh.encode(MeshFixtures.sphere(radius: r, centre: SIMD3(0, 0, d), levels: 5))).write(to: mesh)
        let camera = PinholeCamera(intrinsics: Intrinsics(fx: f, fy: f, cx: 399.5, cy: 299.5), imageWidth: 800, imageHeight: 600)
        try Rig(cameras: [RigCamera(id: "cam0", camera: camera, camFromWorld: RigidTransform(rotation: .identity, translation: .zero))]).write(to: rig)
        let out = dir.appendingPathComponent("cam0.png")
        let run = try Run(["render", mesh.path, "--out", out.path, "--view", "camera:cam0", "--rig", rig.path])
        #expect(run.status == 0, "\(run.stderr)")
        let image = try ImageFile.read(out).eightBit
        #expect(image.width == 800 && image.height == 600)
        let channels = image.layout.channels
        let drawn = (0..<(image.width * image.height)).filter { i in (0..<channels).contains { image.pixels[i * channels + $0] < 255 } }.count
        let disc = Double.pi * pow(f * r / (d * d - r * r).squareRoot(), 2)
        #expect(abs(Double(drawn) / disc - 1) < 0.005, "\(drawn) px vs \(disc)")
        let bytes = try Data(contentsOf: out)
        for chunk in ["tEXt", "iTXt", "zTXt", "eXIf", "tIME"] { #expect(bytes.range(of: Data(chunk.utf8)) == nil, "\(chunk) in the PNG") }
        let mode = try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Every standard view draws something.
        let front = try Run(["render", mesh.path, "--out", dir.appendingPathComponent("left.png").path, "--view", "left", "--size", "256x256"])
        #expect(front.status == 0 && front.stdout.contains("left view, 256×256"), "\(front.stdout) \(front.stderr)")
        // Landmarks and a plan's path drawn over it: the front pole's disc at the principal
        // point, a landmark on the far side hidden (one disc of red, not two), the geodesic
        // between two front landmarks in the first plan colour.
        let landmarks = dir.appendingPathComponent("landmarks.json"), plan = dir.appendingPathComponent("plan.json")
        let s30 = 0.5 * r, c30 = 0.75.squareRoot() * r
        try Data("""
            {"format": "trinocular.landmarks/1", "landmarks": [{"name": "pole", "point": [0, 0, \(d - r)]},
              {"name": "side", "point": [\(s30), 0, \(d - c30)]}, {"name": "back", "point": [\(-s30), 0, \(d + c30)]}]}
            """.utf8).write(to: landmarks)
        try Data(#"{"format": "trinocular.plan/1", "measurements": [{"name": "arc", "type": "geodesic", "from": "pole", "to": "side"}]}"#.utf8).write(to: plan)
        let marked = dir.appendingPathComponent("marked.png")
        let overlay = try Run(["render", mesh.path, "--out", marked.path, "--view", "camera:cam0", "--rig", rig.path, "--landmarks", landmarks.path, "--plan", plan.path])
        #expect(overlay.status == 0, "\(overlay.stderr)")
        let m = try ImageFile.read(marked).eightBit
        func count(_ colour: (UInt8, UInt8, UInt8)) -> Int {
            (0..<(m.width * m.height)).filter { m.pixels[3 * $0] == colour.0 && m.pixels[3 * $0 + 1] == colour.1 && m.pixels[3 * $0 + 2] == colour.2 }.count
        }
        let centre = 3 * (300 * 800 + 400)
        #expect(m.pixels[centre] == 220 && m.pixels[centre + 1] == 30, "the pole's disc at the principal point")
        let red = count((220, 30, 30)), path = count((20, 110, 230))
        #expect(red > 2 * 60 && red < 2 * 100, "\(red) red pixels: two discs of radius 5 (the far one hidden)")
        #expect(path > 30, "\(path) pixels of the geodesic")
        // Mistakes: exit 2 with the reason, nothing written.
        let side = try Run(["render", mesh.path, "--out", dir.appendingPathComponent("x.png").path, "--view", "side"])
        #expect(side.status == 2 && side.stderr.contains("front, left-oblique"), "\(side.stderr)")
        let noRig = try Run(["render", mesh.path, "--out", dir.appendingPathComponent("y.png").path, "--view", "camera:cam0"])
        #expect(noRig.status == 2 && noRig.stderr.contains("needs --rig"), "\(noRig.stderr)")
        let again = try Run(["render", mesh.path, "--out", out.path])
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.png").path) && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("y.png").path))
    }

    /// `--colour texture` on reconstruct's mesh.obj, through a rig camera: the photographs
    /// mapped back look like that camera's photograph (ZNCC ≥ 0.9 over the drawn pixels).
    @Test func aTexturedReconstructionThroughItsCamera() throws {
        let dir = try TestPaths.temporaryFolder("render-texture")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("capture"), out = dir.appendingPathComponent("out")
        let synth = try Run(["synth", "capture", "--scene", "mounds", "--out", capture.path, "--scale", "0.25"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let reconstruct = try Run(["reconstruct", capture.path, "--out", out.path])
        #expect(reconstruct.status == 0, "\(reconstruct.stderr)")
        let picture = dir.appendingPathComponent("cam1.png")
        let run = try Run(["render", out.appendingPathComponent("mesh.obj").path, "--out", picture.path, "--view", "camera:cam1",
                           "--rig", capture.appendingPathComponent("rig.json").path, "--colour", "texture"])
        #expect(run.status == 0, "\(run.stderr)")
        let rendered = try ImageFile.read(picture).eightBit, photo = try ImageFile.read(capture.appendingPathComponent("cam1.png")).eightBit.grayscale()
        #expect(rendered.width == photo.width && rendered.height == photo.height)
        var a: [Double] = [], b: [Double] = []
        for i in 0..<(photo.width * photo.height) {
            let c = rendered.pixels[(3 * i)..<(3 * i + 3)].map(Double.init)
            guard c.contains(where: { $0 < 255 }) else { continue }   // background
            a.append(c.reduce(0, +) / 3); b.append(Double(photo.pixels[i]))
        }
        let correlation = zncc(a, b)
        #expect(a.count > photo.width * photo.height / 10 && correlation >= 0.9, "\(a.count) px, ZNCC \(correlation)")
        // A PLY has no texture: refused before anything is written.
        let ply = try Run(["render", out.appendingPathComponent("mesh.ply").path, "--out", dir.appendingPathComponent("z.png").path, "--colour", "texture"])
        #expect(ply.status == 2 && ply.stderr.contains("textured OBJ"), "\(ply.stderr)")
    }
}
