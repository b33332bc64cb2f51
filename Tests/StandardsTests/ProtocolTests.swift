import Foundation
import Interchange
import Standards
import Synthesis
import TestSupport
import Testing

/// The clinical protocols (issue 21): the files in protocols/ and the built-in copies are
/// the same; regions find their protocol; a bad protocol file is refused naming it; the
/// synthetic renderer can put the protocols' light-blue backdrop behind the subject.
struct ProtocolTests {
    @Test func theFilesAndTheBuiltInCopiesAgree() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("protocols")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files == ["abdomen.json", "breast.json", "face.json"])
        for file in files {
            let p = try CaptureProtocol.named(folder.appendingPathComponent(file).path)
            #expect(CaptureProtocol.builtIn.contains(p), "\(file) differs from the built-in \(p.name)")
            #expect(p.minimumMegapixels == 5 && p.backdrop.name == "light blue")
        }
        #expect(CaptureProtocol.forRegion("Breast")?.name == "breast")
        #expect(CaptureProtocol.forRegion("nose")?.name == "face")
        #expect(CaptureProtocol.forRegion("foot") == nil)
        #expect(CaptureProtocol.builtIn.first { $0.name == "breast" }?.views.count == 10, "the full breast series has 10 views")
    }

    @Test func badProtocolsAreRefusedNamingTheFile() throws {
        let dir = try TestPaths.temporaryFolder("protocols")
        defer { try? FileManager.default.removeItem(at: dir) }
        func problem(_ text: String) throws -> String? {
            let url = dir.appendingPathComponent("p.json")
            try Data(text.utf8).write(to: url)
            do { _ = try CaptureProtocol.named(url.path); return nil } catch let e as FileProblem { return e.description }
        }
        let good = String(decoding: try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("protocols/face.json")), as: UTF8.self)
        #expect(try problem(good) == nil)
        #expect(try problem(good.replacingOccurrences(of: "\"minimumMegapixels\": 5", with: "\"minimumMegapixels\": -1"))?.contains("minimumMegapixels") == true)
        #expect(try problem(good.replacingOccurrences(of: "[150, 190, 230]", with: "[150, 190]"))?.contains("rgb") == true)
        #expect(try problem(good.replacingOccurrences(of: "\"framing\"", with: "\"frame\""))?.contains("framing") == true)
        #expect(try problem("not json")?.contains("p.json") == true)
        #expect(throws: FileProblem.self) { try CaptureProtocol.named("knee") }
    }

    /// The light-blue backdrop where no surface is, the subject grey, the image RGB.
    @Test func aLightBlueBackdropBehindTheSubject() throws {
        var spec = CaptureSpec(scene: .mounds)
        spec.rig.scale = 0.1
        spec.render.noiseSigma = 0
        spec.render.backdrop = RenderOptions.lightBlue
        let image = try SyntheticCapture(spec).views[0].image
        #expect(image.layout.channels == 3)
        let corner = Array(image.pixels[0..<3])
        #expect(corner == [150, 190, 230], "the top-left corner sees the backdrop: \(corner)")
        let centre = 3 * (image.height / 2 * image.width + image.width / 2)
        let c = Array(image.pixels[centre..<(centre + 3)])
        #expect(c[0] == c[1] && c[1] == c[2], "the subject stays grey: \(c)")
        spec.render.backdrop = SIMD3(1.2, 0, 0)
        #expect(throws: (any Error).self) { try spec.validate() }
    }
}
