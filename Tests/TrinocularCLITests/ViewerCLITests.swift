import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Rendering
import Surface
import Synthesis
import TestSupport
import Testing

/// `trinocular view` (issue 20) driven by headless Chromium: the page shows the mesh where
/// the rig camera saw it, a click on a known surface point places a landmark within 1 mm of
/// it, Save writes landmarks.json (0600, audited); no token, no page; loopback only.
struct ViewerCLITests {
    @Test func aLandmarkPlacedByClickingInTheBrowser() throws {
        let dir = try TestPaths.temporaryFolder("viewer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let synthetic = try SyntheticFixtures.capture(.mounds, scale: 0.25)
        let capture = dir.appendingPathComponent("capture"), out = dir.appendingPathComponent("out")
        try synthetic.write(to: capture)
        let reconstruct = try Run(["reconstruct", capture.path, "--out", out.path])
        try #require(reconstruct.status == 0, "\(reconstruct.stderr)")
        let plan = dir.appendingPathComponent("plan.json")
        try Data(#"{"format": "trinocular.plan/1", "measurements": [{"name": "span", "type": "distance", "from": "apex", "to": "side"}]}"#.utf8).write(to: plan)

        let server = try ViewerProcess(["view", out.path, "--no-browser", "--rig", capture.appendingPathComponent("rig.json").path, "--plan", plan.path])
        let (port, token) = (server.port, server.token)
        // No token, a wrong one: 403 for the page and the data; loopback only.
        #expect(try loopbackStatus(port: port, path: "/") == 403)
        #expect(try loopbackStatus(port: port, path: "/api/scene") == 403)
        #expect(try loopbackStatus(port: port, path: "/api/mesh/surface?token=\(String(token.reversed()))") == 403)
        #expect(try loopbackStatus(port: port, path: "/api/scene?token=\(token)") == 200)
        #expect(listeningAddresses(port: port) == ["0100007F"], "listens on \(listeningAddresses(port: port)), not 127.0.0.1 alone")

        let cam0 = synthetic.rig.rig.cameras[0], (w, h) = (cam0.camera.imageWidth, cam0.camera.imageHeight)
        let browser = try HeadlessChromium(width: w, height: h)
        try browser.navigate("http://127.0.0.1:\(port)/?token=\(token)&view=camera:cam0&colour=shading")
        try browser.wait(for: "window.viewerReady === true")

        // The screenshot shows the mesh where cam0 sees it: its silhouette against the
        // rasterizer's through the same pinhole (no distortion), outside the two panels.
        let shot = dir.appendingPathComponent("shot.png")
        try browser.screenshot().write(to: shot)
        let picture = try ImageFile.read(shot).eightBit
        try #require(picture.width == w && picture.height == h, "\(picture.width)×\(picture.height)")
        let mesh = try PLYMesh.read(out.appendingPathComponent("mesh.ply"))
        let pinhole = RenderCamera(camera: PinholeCamera(intrinsics: cam0.camera.intrinsics, imageWidth: w, imageHeight: h), camFromWorld: cam0.camFromWorld)
        let expected = Rasterizer.render(mesh, from: pinhole).face
        let panels = try (browser.evaluate("JSON.stringify(['tools','side'].map(id => { const r = document.getElementById(id).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }))") as? String)
            .flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [[Double]] } ?? []
        var both = 0, either = 0, drawn = 0
        for y in 0..<h {
            for x in 0..<w where !panels.contains(where: { Double(x) >= $0[0] - 1 && Double(x) <= $0[2] + 1 && Double(y) >= $0[1] - 1 && Double(y) <= $0[3] + 1 }) {
                let i = (y * w + x) * picture.layout.channels
                let background = abs(Int(picture.pixels[i]) - 32) <= 2 && abs(Int(picture.pixels[i + 1]) - 34) <= 2 && abs(Int(picture.pixels[i + 2]) - 38) <= 2
                let seen = expected[y * w + x] >= 0
                if !background { drawn += 1 }
                if !background && seen { both += 1 }
                if !background || seen { either += 1 }
            }
        }
        #expect(drawn > w * h / 5, "\(drawn) pixels drawn: the page is blank")
        #expect(Double(both) / Double(max(either, 1)) > 0.95, "silhouette agreement \(both) / \(either)")

        // The photographs on the mesh: the page's texture view matches the rasterizer's through
        // the same pinhole (ZNCC over the pixels both draw).
        _ = try browser.evaluate("document.getElementById('colour').value = 'texture'; draw(); true")
        let textured = dir.appendingPathComponent("textured.png")
        try browser.screenshot().write(to: textured)
        let pinholeRig = dir.appendingPathComponent("pinhole-rig.json"), reference = dir.appendingPathComponent("reference.png")
        try Rig(cameras: [RigCamera(id: "cam0", camera: pinhole.camera, camFromWorld: cam0.camFromWorld)]).write(to: pinholeRig)
        let rendered = try Run(["render", out.appendingPathComponent("mesh.obj").path, "--out", reference.path, "--view", "camera:cam0",
                                "--rig", pinholeRig.path, "--colour", "texture"])
        try #require(rendered.status == 0, "\(rendered.stderr)")
        let page = try ImageFile.read(textured).eightBit, reference2 = try ImageFile.read(reference).eightBit
        var a: [Double] = [], b: [Double] = []
        for y in 0..<h {
            for x in 0..<w where expected[y * w + x] >= 0 && !panels.contains(where: { Double(x) >= $0[0] - 1 && Double(x) <= $0[2] + 1 && Double(y) >= $0[1] - 1 && Double(y) <= $0[3] + 1 }) {
                let i = (y * w + x) * page.layout.channels, j = (y * w + x) * reference2.layout.channels
                a.append(Double(page.pixels[i]) + Double(page.pixels[i + 1]) + Double(page.pixels[i + 2]))
                b.append(reference2.layout.channels >= 3 ? Double(reference2.pixels[j]) + Double(reference2.pixels[j + 1]) + Double(reference2.pixels[j + 2]) : 3 * Double(reference2.pixels[j]))
            }
        }
        let textureMatch = zncc(a, b)
        #expect(textureMatch > 0.9, "the page's texture against the rasterizer's: ZNCC \(textureMatch) over \(a.count) pixels")

        // A click where a known surface point projects (CSS pixel (X, Y) is the point
        // (X − ½, Y − ½) of cam0's image), then Save.
        let (x, y) = (w / 2 + 20, h / 2 + 40)
        try #require(expected[y * w + x] >= 0, "the mesh covers the pixel clicked")
        let k = cam0.camera.intrinsics, truth = SurfaceTruth(synthetic)
        let ray = cam0.camFromWorld.rotation.inverse.apply(SIMD3((Double(x) - 0.5 - k.cx) / k.fx, (Double(y) - 0.5 - k.cy) / k.fy, 1))
        let s = truth.subjectFromWorld
        let hit = try #require(truth.scene.intersect(origin: s.apply(cam0.centre), direction: normalize(s.rotation.apply(ray))))
        let point = s.inverse.apply(hit.point)
        try browser.click(x: Double(x), y: Double(y))
        try browser.wait(for: "marks.length === 1 && measured.length === 1", timeout: 30)
        #expect(try browser.evaluate("marks[0].name") as? String == "apex", "the plan's first landmark is offered first")
        #expect(try browser.evaluate("measured[0].value === null || measured[0].value === undefined") as? Bool == true, "'side' is not placed yet")
        let save = try #require(try browser.evaluate("JSON.stringify((r => [r.left + r.width / 2, r.top + r.height / 2])(document.getElementById('save').getBoundingClientRect()))") as? String)
        let centre = try #require(try JSONSerialization.jsonObject(with: Data(save.utf8)) as? [Double])
        try browser.click(x: centre[0], y: centre[1])
        try browser.wait(for: "document.getElementById('status').textContent.startsWith('saved 1')", timeout: 30)

        let file = out.appendingPathComponent("landmarks.json")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(saved["format"] as? String == "trinocular.landmarks/1")
        let landmark = try #require((saved["landmarks"] as? [[String: Any]])?.first)
        let p = try #require(landmark["point"] as? [Double])
        #expect(landmark["name"] as? String == "apex")
        let miss = length(SIMD3(p[0], p[1], p[2]) - point)
        #expect(miss < 1, "the landmark is \(miss) mm from the true point")
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print("FIGURE viewer: silhouette agreement \(Double(both) / Double(max(either, 1))), texture ZNCC \(textureMatch), landmark \(miss) mm from the truth")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let audit = (try? String(contentsOf: Run.auditLog, encoding: .utf8)) ?? ""
        #expect(audit.contains("view: landmarks saved"))
        // SIGTERM stops the server at once (a test runner may start it with SIGTERM ignored).
        server.process.terminate()
        let stopBy = Date().addingTimeInterval(5)
        while server.process.isRunning && Date() < stopBy { usleep(50_000) }
        #expect(!server.process.isRunning, "the viewer outlived SIGTERM")
    }
}

extension ViewerCLITests {
    /// Nothing to show, or a plan that is not one: exit 2 naming the file, no server.
    @Test func badInputExitsTwoNamingTheFile() throws {
        let dir = try TestPaths.temporaryFolder("viewer-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try Run(["view", dir.appendingPathComponent("nothing").path, "--no-browser"])
        #expect(missing.status == 2 && missing.stderr.contains("nothing") && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let empty = try Run(["view", dir.path, "--no-browser"])
        #expect(empty.status == 2 && empty.stderr.contains("holds no mesh.obj or mesh.ply"), "\(empty.stderr)")
        try Data(PLYMesh.encode(MeshFixtures.sphere(radius: 10, centre: .zero, levels: 2))).write(to: dir.appendingPathComponent("mesh.ply"))
        let plan = dir.appendingPathComponent("plan.json")
        try Data(#"{"format": "trinocular.plan/2"}"#.utf8).write(to: plan)
        let badPlan = try Run(["view", dir.path, "--no-browser", "--plan", plan.path])
        #expect(badPlan.status == 2 && badPlan.stderr.contains("plan.json") && badPlan.stderr.contains("trinocular.plan/1"), "\(badPlan.stderr)")
    }
}

/// `trinocular view …` running in the background, its address read from its output.
final class ViewerProcess {
    let process = Process()
    var port = 0
    var token = ""

    init(_ arguments: [String]) throws {
        process.executableURL = Run.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TRINOCULAR_AUDIT_LOG"] = Run.auditLog.path
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !text.contains("\n(this machine") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("viewer: http://127.0.0.1:") }),
              let url = URLComponents(string: String(line.dropFirst(8))), let p = url.port,
              let t = url.queryItems?.first(where: { $0.name == "token" })?.value else {
            process.terminate()
            throw HeadlessChromium.Failure(description: "the viewer printed no address: \(text)")
        }
        port = p; token = t
    }

    /// Stops the server: SIGTERM, then SIGKILL if it is still there after 5 s.
    deinit {
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
