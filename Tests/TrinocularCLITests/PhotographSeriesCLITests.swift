import Foundation
import Imaging
import Interchange
import TestSupport
import Testing

/// `trinocular check` on 2D photograph series (issue 21): five views of the face on the
/// protocol's light-blue backdrop pass; EXIF gives the camera model and focal length (read,
/// never written out); an "after" series that differs only in its backdrop, its aspect ratio
/// or by being 30 % brighter is not comparable, with exactly that reason; an unreadable JPEG
/// exits 2 naming it.
struct PhotographSeriesCLITests {
    /// Five views 25° apart at 0.4 scale (979 × 819), written as JPEG with EXIF, the rig
    /// and capture files removed: a plain folder of photographs.
    static func series(_ dir: URL, _ name: String, extra: [String] = [], edit: (Image<UInt8>) -> Image<UInt8> = { $0 }) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let run = try Run(["synth", "capture", "--scene", "face", "--scale", "0.4", "--cameras", "5", "--arc-step", "25", "--tint",
                           "--backdrop", "light-blue", "--jpeg", "95", "--out", out.path] + extra)
        try #require(run.status == 0, "\(run.stderr)")
        for file in ["rig.json", "capture.json"] { try FileManager.default.removeItem(at: out.appendingPathComponent(file)) }
        for k in 0..<5 {
            let url = out.appendingPathComponent("cam\(k).jpg")
            let image = edit(try ImageFile.read(url).eightBit)
            try ImageFile.write(image, to: url, jpegQuality: 95)
            try Data(withExif(try ImageFile.bytes(of: url), model: "Clinic Camera X", focalMm: 50)).write(to: url)
        }
        return out
    }

    /// The JPEG with an APP1 EXIF block after its SOI: Model in IFD0, FocalLength in the Exif IFD.
    static func withExif(_ jpeg: [UInt8], model: String, focalMm: UInt32) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
        let text = Array(model.utf8) + [0]
        let modelAt = 8 + 2 + 2 * 12 + 4, exifAt = modelAt + text.count + text.count % 2
        var tiff: [UInt8] = [0x49, 0x49, 42, 0] + u32(8)
        tiff += u16(2) + u16(0x0110) + u16(2) + u32(text.count) + u32(modelAt) + u16(0x8769) + u16(4) + u32(1) + u32(exifAt) + u32(0)
        tiff += text + (text.count % 2 == 1 ? [0] : [])
        tiff += u16(1) + u16(0x920A) + u16(5) + u32(1) + u32(exifAt + 2 + 12 + 4) + u32(0)
        tiff += u32(Int(focalMm)) + u32(1)
        let body: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = body.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body + jpeg[2...]
    }

    @Test func aSeriesAndItsBeforeAfterPairs() throws {
        let dir = try TestPaths.temporaryFolder("check-series")
        defer { try? FileManager.default.removeItem(at: dir) }
        let face = dir.appendingPathComponent("face-small.json")
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("protocols/face.json"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"minimumMegapixels\": 5", with: "\"minimumMegapixels\": 0.8").utf8).write(to: face)

        let before = try Self.series(dir, "before")
        let single = try Run(["check", before.path, "--protocol", face.path, "--json"])
        try #require(single.status == 0, "\(single.stderr)")
        let report = try JSONValue.parse(Data(single.stdout.utf8))
        let flagged = (report["checks"]?.array ?? []).filter { $0["status"]?.string != "pass" }
        #expect(report["verdict"]?.string == "pass" && flagged.isEmpty, "\(flagged)")
        let ids = Set((report["checks"]?.array ?? []).compactMap { $0["id"]?.string })
        #expect(ids.isSuperset(of: ["resolution", "focus", "exposure", "colour", "backdrop", "framing", "aspect", "lens"]) && !ids.contains("distance"), "\(ids)")
        #expect(!single.stdout.contains("Clinic Camera X"), "the camera model is compared, not written out")

        func reasons(_ after: URL) throws -> [String] {
            let run = try Run(["check", "--compare", before.path, after.path, "--protocol", face.path, "--json"])
            try #require(run.status == 0, "\(run.stderr)")
            let r = try JSONValue.parse(Data(run.stdout.utf8))
            #expect((r["verdict"]?.string == "comparable") == (r["reasons"]?.array ?? []).isEmpty)
            return (r["reasons"]?.array ?? []).compactMap { $0["id"]?.string }
        }
        #expect(try reasons(try Self.series(dir, "again", extra: ["--noise-seed", "9"])) == [])
        #expect(try reasons(try Self.series(dir, "grey", extra: ["--noise-seed", "9", "--backdrop", "grey"])) == ["backdrop"])
        #expect(try reasons(try Self.series(dir, "brighter", extra: ["--noise-seed", "9"]) { Self.scaled($0, 1.3) }) == ["exposure"])
        #expect(try reasons(try Self.series(dir, "cropped", extra: ["--noise-seed", "9"]) { Self.cropped($0, width: $0.width * 7 / 8) }) == ["aspect"])

        // An unreadable photograph: exit 2, the file named, nothing else.
        try Data("not a jpeg".utf8).write(to: before.appendingPathComponent("cam2.jpg"))
        let broken = try Run(["check", before.path, "--protocol", face.path])
        #expect(broken.status == 2 && broken.stderr.contains("cam2.jpg") && broken.stdout.isEmpty, "\(broken.stderr)")
    }

    static func scaled(_ image: Image<UInt8>, _ gain: Double) -> Image<UInt8> {
        Image(width: image.width, height: image.height, layout: image.layout, pixels: image.pixels.map { UInt8(min(255, (Double($0) * gain).rounded())) })
    }

    /// The central `width` columns.
    static func cropped(_ image: Image<UInt8>, width: Int) -> Image<UInt8> {
        let c = image.layout.channels, x0 = (image.width - width) / 2
        var out: [UInt8] = []
        out.reserveCapacity(width * image.height * c)
        for y in 0..<image.height { out += image.pixels[((y * image.width + x0) * c)..<((y * image.width + x0 + width) * c)] }
        return Image(width: width, height: image.height, layout: image.layout, pixels: out)
    }
}
