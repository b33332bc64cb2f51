import Foundation
import Imaging
import TestSupport
import Testing

/// Identifying metadata written by exiftool (GPS, owner, serial, thumbnail, XMP, IPTC, PNG
/// text) is gone after stripping — exiftool itself finds nothing but structure — and the
/// decoded pixels are those of the input, bit for bit.
@Suite(.enabled(if: ExifTool.available, "needs exiftool (libimage-exiftool-perl; scripts/install-deps installs it)"))
struct MetadataStrippingTests {
    /// Tags exiftool reports for a file with no metadata: the file system, the container's
    /// structure and what it computes from them.
    static let structuralGroups: Set<String> = ["ExifTool", "System", "File", "Composite", "JFIF"]
    static let structuralPNGTags: Set<String> = ["ImageWidth", "ImageHeight", "BitDepth", "ColorType", "Compression",
                                                 "Filter", "Interlace", "Gamma", "SRGBRendering", "Transparency", "Palette"]

    /// Tags that are not structure (group:name), or warnings.
    static func leftovers(_ url: URL) throws -> [String] {
        try ExifTool.tags(url).keys.filter { key in
            let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return false }
            if parts[0] == "ExifTool" { return parts[1] != "ExifToolVersion" }   // warnings, errors
            if structuralGroups.contains(parts[0]) { return false }
            if parts[0] == "PNG" { return !structuralPNGTags.contains(parts[1]) }
            return true
        }.sorted()
    }

    static func picture(width: Int = 96, height: Int = 64) -> Image<UInt8> {
        var image = Image<UInt8>(width: width, height: height, layout: .rgb)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 { image[x, y, c] = UInt8(truncatingIfNeeded: x * 3 + y * 5 + c * 70 + (x * y) % 13) } } }
        return image
    }

    /// Rich metadata, as a phone, a camera or an editor would leave it.
    static let identifying = [
        "-GPSLatitude=51.5072", "-GPSLatitudeRef=N", "-GPSLongitude=0.1276", "-GPSLongitudeRef=W",
        "-Artist=Dr Jane Smith", "-OwnerName=Jane Doe", "-SerialNumber=CAM-884213", "-BodySerialNumber=884213",
        "-Make=Canon", "-Model=EOS 90D", "-DateTimeOriginal=2026:03:12 10:14:00", "-Orientation#=6",
        "-XMP-dc:Creator=Jane Doe", "-XMP-dc:Description=patient MRN 00412345 pre-op",
        "-IPTC:By-line=Jane Doe", "-IPTC:Caption-Abstract=Mrs Example, DOB 1961-04-02", "-Comment=Mrs Example left breast",
    ]

    @Test func jpegLosesEveryTagAndKeepsItsScanBitForBit() throws {
        let root = try TestPaths.temporaryFolder("strip-jpeg")
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("cam0.jpg")
        try Data(JPEG.encode(Self.picture(), quality: 92, chromaSubsampling: true)).write(to: url)
        let thumb = root.appendingPathComponent("thumb.jpg")
        try Data(JPEG.encode(Self.picture(width: 16, height: 12), quality: 80)).write(to: thumb)
        try ExifTool.run(Self.identifying + ["-ThumbnailImage<=\(thumb.path)", url.path])
        // A second image after EOI, as MPF files and some phones carry.
        var rich = [UInt8](try Data(contentsOf: url)) + (try JPEG.encode(Self.picture(width: 8, height: 8)))
        try Data(rich).write(to: url)
        let before = try ExifTool.tags(url)
        for tag in ["GPS:GPSLatitude", "IFD0:Artist", "ExifIFD:OwnerName", "ExifIFD:SerialNumber", "XMP-dc:Creator",
                    "IPTC:By-line", "File:Comment", "IFD1:ThumbnailImage"] {
            #expect(before[tag] != nil, "the corpus image lacks \(tag)")
        }
        #expect(try Self.leftovers(url).count >= 20)   // the check below can fail

        let (stripped, report) = try MetadataStripping.strip(rich, file: url.path)
        let out = root.appendingPathComponent("clean.jpg")
        try Data(stripped).write(to: out)
        #expect(try Self.leftovers(out) == [])
        #expect(report.removed.contains("APP1 Exif") && report.removed.contains("APP1 XMP") && report.removed.contains("APP13 IPTC/Photoshop"))
        #expect(report.removed.contains("COM") && report.removed.contains { $0.hasSuffix("bytes after EOI") })
        #expect(report.droppedOrientation == .right)
        // Pixels identical, and the entropy-coded data is the same bytes.
        #expect(try ImageFile.decode(stripped, file: "clean").eightBit == ImageFile.decode(rich, file: "rich").eightBit)
        #expect(Self.scan(stripped) == Self.scan(rich))
        // Stripping is idempotent.
        rich = stripped
        #expect(try MetadataStripping.strip(rich, file: "again").0 == stripped)
    }

    @Test func pngLosesTextExifAndTimeAndKeepsItsPixels() throws {
        let root = try TestPaths.temporaryFolder("strip-png")
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("cam1.png")
        try Data(PNG.encode(Self.picture())).write(to: url)
        try ExifTool.run(["-PNG:Author=Jane Doe", "-PNG:Comment=MRN 00412345", "-PNG:Description=pre-op left",
                          "-PNG:CreationTime=2026:03:12 10:14:00", "-PNG:ModifyDate=2026:03:12 10:15:00",
                          "-XMP-dc:Creator=Jane Doe", "-Artist=Dr Jane Smith", "-GPSLatitude=51.5", "-GPSLatitudeRef=N", url.path])
        let rich = [UInt8](try Data(contentsOf: url)) + Array("trailing: Jane Doe".utf8)
        try Data(rich).write(to: url)
        let before = try ExifTool.tags(url)
        #expect(before["PNG:Author"] != nil && before["XMP-dc:Creator"] != nil && before["IFD0:Artist"] != nil)
        #expect(try Self.leftovers(url).count >= 8)

        let (stripped, report) = try MetadataStripping.strip(rich, file: url.path)
        let out = root.appendingPathComponent("clean.png")
        try Data(stripped).write(to: out)
        #expect(try Self.leftovers(out) == [])
        #expect(report.removed.contains("tEXt") || report.removed.contains("iTXt") || report.removed.contains("zTXt"))
        #expect(report.removed.contains("eXIf") && report.removed.contains { $0.hasSuffix("bytes after IEND") })
        #expect(try ImageFile.decode(stripped, file: "clean").eightBit == Self.picture())
        // The IDAT chunks are carried over unchanged.
        #expect(Self.chunks(stripped, "IDAT") == Self.chunks(rich, "IDAT"))
    }

    @Test func theImagesTrinocularWritesCarryNoMetadata() throws {
        let root = try TestPaths.temporaryFolder("strip-own")
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["texture.jpg", "disparity.png"] {
            let url = root.appendingPathComponent(name)
            try ImageFile.write(Self.picture(), to: url)
            #expect(try Self.leftovers(url) == [], "\(name)")
            #expect(try MetadataStripping.strip([UInt8](Data(contentsOf: url)), file: name).1.removed == [])
        }
    }

    @Test func brokenFilesAreNamed() throws {
        let good = try JPEG.encode(Self.picture())
        for (bytes, message) in [(Array(good.prefix(good.count / 2)), "truncated"), (Array("hello".utf8), "not a JPEG or PNG"),
                                 (Array(try PNG.encode(Self.picture()).dropLast(20)), "truncated")] {
            let error = #expect(throws: ImageError.self) { try MetadataStripping.strip(bytes, file: "/c/cam0.jpg") }
            #expect(error?.description.contains(message) == true && error?.description.contains("cam0.jpg") == true, "\(String(describing: error))")
        }
    }

    /// The bytes from the first SOS marker to EOI.
    static func scan(_ d: [UInt8]) -> [UInt8] {
        var i = 2
        while i + 4 <= d.count, d[i + 1] != 0xDA { i += 2 + (Int(d[i + 2]) << 8 | Int(d[i + 3])) }
        let end = (i..<(d.count - 1)).first { d[$0] == 0xFF && d[$0 + 1] == 0xD9 } ?? d.count
        return Array(d[i..<end])
    }

    static func chunks(_ d: [UInt8], _ type: String) -> [[UInt8]] {
        var i = 8, found: [[UInt8]] = []
        while i + 12 <= d.count {
            let length = Int(d[i]) << 24 | Int(d[i + 1]) << 16 | Int(d[i + 2]) << 8 | Int(d[i + 3])
            if String(decoding: d[(i + 4)..<(i + 8)], as: UTF8.self) == type { found.append(Array(d[i..<(i + 12 + length)])) }
            if String(decoding: d[(i + 4)..<(i + 8)], as: UTF8.self) == "IEND" { break }
            i += 12 + length
        }
        return found
    }
}
