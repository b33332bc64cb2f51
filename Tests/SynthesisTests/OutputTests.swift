import Foundation
import Geometry
import Imaging
import Interchange
import LinearAlgebra
import Pipeline
import Synthesis
import TestSupport
import Testing

@Suite struct SyntheticOutputTests {
    static func files(under url: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)!
        for case let f as URL in e where !f.hasDirectoryPath {
            out[String(f.path.dropFirst(url.path.count))] = try Data(contentsOf: f)
        }
        return out
    }

    @Test func sameSeedSameBytes() throws {
        let root = try TestPaths.temporaryFolder("synth-determinism")
        defer { try? FileManager.default.removeItem(at: root) }
        for run in ["a", "b"] {
            let capture = try SyntheticFixtures.capture(.face, scale: 0.1, noise: 1.5)
            try FileManager.default.createDirectory(at: root.appendingPathComponent(run), withIntermediateDirectories: true)
            try capture.write(to: root.appendingPathComponent(run).appendingPathComponent("face"), depthMaps: true)
        }
        let a = try Self.files(under: root.appendingPathComponent("a")), b = try Self.files(under: root.appendingPathComponent("b"))
        #expect(a.count == 3 + 2 + 1 + 3)  // 3 images, rig + capture.json, truth, 3 depth maps
        #expect(a == b)
        // A different seed changes the pixels.
        let other = try SyntheticFixtures.capture(.face, scale: 0.1, seed: 2, noise: 1.5)
        let first = try SyntheticFixtures.capture(.face, scale: 0.1, noise: 1.5)
        #expect(other.views[0].image != first.views[0].image)
    }

    @Test func writtenCaptureFollowsTheContract() throws {
        let root = try TestPaths.temporaryFolder("synth-capture")
        defer { try? FileManager.default.removeItem(at: root) }
        var spec = CaptureSpec(scene: .mounds)
        spec.rig.scale = 0.1
        spec.jpegQuality = 90
        let capture = try SyntheticCapture(spec)
        let dir = root.appendingPathComponent("mounds")
        try capture.write(to: dir)
        let opened = try Capture(folder: dir)  // the pipeline accepts it as a capture
        #expect(opened.views.map(\.cameraID) == ["cam0", "cam1", "cam2"])
        #expect(opened.views.allSatisfy { $0.info.format == .jpeg })
        #expect(opened.rig == capture.rig.rig)
        let truth = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("mounds.truth.json")))
        #expect(truth["format"]?.string == "trinocular.truth/1")
        #expect(truth["truth"]?["volumes"]?.array?.count == 2)
        #expect(truth["depthMaps"] == .null)
        // Writing again refuses to overwrite, and leaves no partial files.
        #expect(throws: SynthesisError.outputExists(file: dir.path)) { try capture.write(to: dir) }
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(names == ["mounds", "mounds.truth.json"])
    }

    @Test func depthMapsAreWrittenInTheStatedUnits() throws {
        let root = try TestPaths.temporaryFolder("synth-depth")
        defer { try? FileManager.default.removeItem(at: root) }
        let capture = try SyntheticFixtures.capture(.sphere, scale: 0.1)
        try capture.write(to: root.appendingPathComponent("s"), depthMaps: true)
        let decoded = try ImageFile.read(root.appendingPathComponent("s.depth/cam1.png"))
        guard case let .sixteen(image) = decoded.pixels else { Issue.record("expected 16-bit"); return }
        let depth = try #require(capture.views[1].depth)
        for i in stride(from: 0, to: depth.count, by: 97) where depth[i].isFinite {
            #expect(abs(Double(image.pixels[i]) * SyntheticCapture.depthUnitMm - Double(depth[i])) <= 0.025 + 1e-6)
        }
        #expect(image.pixels.contains(0))  // the backdrop
    }

    @Test func renderingShowsSpeckleAndNoise() throws {
        let clean = try SyntheticFixtures.capture(.plane, scale: 0.15, noise: 0, depth: false)
        let noisy = try SyntheticFixtures.capture(.plane, scale: 0.15, noise: 2, depth: false)
        let a = clean.views[1].image.pixels.map(Double.init), b = noisy.views[1].image.pixels.map(Double.init)
        // Speckle: the plane fills the view with strong texture.
        let mean = a.reduce(0, +) / Double(a.count)
        let sd = (a.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(a.count)).squareRoot()
        #expect(sd > 40)
        // Sensor noise: σ = 2 grey levels, measured as the clean/noisy difference.
        let diff = zip(a, b).map { $0.1 - $0.0 }
        let noiseSD = (diff.map { $0 * $0 }.reduce(0, +) / Double(diff.count)).squareRoot()
        #expect(abs(noiseSD - 2) < 0.1, "measured σ \(noiseSD)")
    }

    @Test func tintMakesRGBSkin() throws {
        var spec = CaptureSpec(scene: .sphere)
        spec.rig.scale = 0.08
        spec.render.tint = RenderOptions.skinTint
        spec.render.noiseSigma = 0
        let capture = try SyntheticCapture(spec)
        let image = capture.views[1].image
        #expect(image.layout == .rgb)
        let centre = (image.height / 2 * image.width + image.width / 2) * 3
        var r = 0.0, b = 0.0
        for dy in -5...5 { for dx in -5...5 { let i = centre + (dy * image.width + dx) * 3; r += Double(image.pixels[i]); b += Double(image.pixels[i + 2]) } }
        #expect(r > b * 1.3)  // skin is redder than it is blue
    }
}

@Suite struct CalibrationSetTests {
    @Test func setIsShotLikeACarefulUserWould() throws {
        var spec = CalibrationSpec()
        spec.rig.scale = 0.2
        spec.sharedViews = 4
        spec.cornerViewsPerCamera = 2
        spec.render.supersampling = 2
        let set = try CalibrationSet(spec)
        #expect(set.views.count == 4 + 3 * 2)
        #expect(set.views.prefix(4).allSatisfy { $0.cameraIDs == ["cam0", "cam1", "cam2"] })
        #expect(set.views.suffix(6).allSatisfy { $0.cameraIDs.count == 1 })
        let board = spec.board
        for view in set.views {
            for id in view.cameraIDs {
                let cam = set.rig.rig.camera(id: id)!
                let image = try #require(view.images[id])
                let camFromBoard = cam.camFromWorld * view.worldFromBoard
                // Distance from the camera 700–1300 mm (plus the board's half-size), tilt ≤ 35°
                // from the line of sight.
                let centre = camFromBoard.apply(board.centre)
                #expect((650...1400).contains(length(centre)))
                // At every inner corner the four neighbouring squares alternate dark/light.
                var checked = 0
                for p in board.objectPoints {
                    guard let px = cam.camera.project(cameraPoint: camFromBoard.apply(p)) else { Issue.record("corner behind"); continue }
                    #expect(cam.camera.contains(pixel: px))
                    let step = board.squareMm / 2
                    let quadrants = [SIMD3(-step, -step, 0), SIMD3(step, -step, 0), SIMD3(step, step, 0), SIMD3(-step, step, 0)].map { d -> Double in
                        let q = cam.camera.project(cameraPoint: camFromBoard.apply(p + d))!
                        let x = Int(q.x.rounded()), y = Int(q.y.rounded())
                        return Double(image[min(max(x, 0), image.width - 1), min(max(y, 0), image.height - 1), 0])
                    }
                    #expect(abs(quadrants[0] - quadrants[2]) < 40 && abs(quadrants[1] - quadrants[3]) < 40)
                    #expect(abs(quadrants[0] - quadrants[1]) > 100)
                    checked += 1
                }
                #expect(checked == 54)
            }
        }
        // Corner views reach the image corners: some inner corner within 12 % of one.
        for view in set.views.suffix(6) {
            let cam = set.rig.rig.camera(id: view.cameraIDs[0])!
            let camFromBoard = cam.camFromWorld * view.worldFromBoard
            let w = Double(cam.camera.imageWidth), h = Double(cam.camera.imageHeight)
            let near = board.objectPoints.contains { p in
                let q = cam.camera.project(cameraPoint: camFromBoard.apply(p))!
                return [SIMD2(0, 0), SIMD2(w, 0), SIMD2(0, h), SIMD2(w, h)].contains { abs($0.x - q.x) < 0.12 * w && abs($0.y - q.y) < 0.12 * h }
            }
            #expect(near)
        }
    }

    @Test func writtenSetFollowsTheContractLayout() throws {
        var spec = CalibrationSpec()
        spec.rig.scale = 0.1
        spec.sharedViews = 2
        spec.cornerViewsPerCamera = 1
        let set = try CalibrationSet(spec)
        let root = try TestPaths.temporaryFolder("synth-calibration")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("calib")
        try set.write(to: dir)
        let board = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("board.json")))
        #expect(board["innerCorners"]?.array?.compactMap { $0.number } == [9, 6] && board["squareMm"]?.number == 25)
        let cam0 = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("cam0").path).sorted()
        #expect(cam0 == ["001.png", "002.png", "003.png"])  // shared views and cam0's corner view
        let cam1 = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("cam1").path).sorted()
        #expect(cam1 == ["001.png", "002.png", "004.png"])  // no file for the view cam1 did not see
        let truth = try Rig(contentsOf: root.appendingPathComponent("calib.truth-rig.json"))
        #expect(truth.cameras == set.rig.rig.cameras)
        #expect(truth.calibration?["views"]?.array?.count == 5)
    }
}
