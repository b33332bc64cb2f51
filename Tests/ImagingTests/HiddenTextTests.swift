import Foundation
import Imaging
import TestSupport
import Testing

/// Segments on the keep-list are rebuilt from what they mean, not copied: text hidden in an
/// Adobe APP14 segment or in a PNG colour chunk (tRNS, cHRM) does not survive stripping,
/// and the pixels do.
struct HiddenTextTests {
    static let secret = Array("Jane Doe MRN123456".utf8)

    static func picture() -> Image<UInt8> {
        var image = Image<UInt8>(width: 24, height: 16, layout: .rgb)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 37) % 251) }
        return image
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test func textInAnAdobeSegmentIsNotCopied() throws {
        let jpeg = try JPEG.encode(Self.picture(), quality: 90)
        // APP14 "Adobe", version 100, flags, transform 1 (YCbCr) — then the hidden text.
        let payload = Array("Adobe".utf8) + [0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x01] + Self.secret
        let length = payload.count + 2
        let tampered = [0xFF, 0xD8, 0xFF, 0xEE, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg[2...])
        #expect(Self.contains(tampered, Self.secret))
        let (clean, report) = try MetadataStripping.strip(tampered, file: "adobe.jpg")
        #expect(!Self.contains(clean, Self.secret))
        #expect(report.removed.contains { $0.hasPrefix("APP14 Adobe") }, "\(report.removed)")
        // The colour transform flag is kept: the same pixels decode.
        #expect(try ImageFile.decode(clean, file: "clean").eightBit == ImageFile.decode(tampered, file: "tampered").eightBit)
        #expect(Self.contains(clean, Array("Adobe".utf8) + [0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x01]))
    }

    @Test func textInPNGColourChunksIsNotCopied() throws {
        let png = try PNG.encode(Self.picture())
        // After IHDR (8 + 25 bytes): a tRNS and a cHRM each padded with the text.
        let tRNS = PNGBuilder.chunk("tRNS", [0, 1, 0, 2, 0, 3] + Self.secret)
        let cHRM = PNGBuilder.chunk("cHRM", [UInt8](repeating: 0, count: 32) + Self.secret)
        let wellFormed = PNGBuilder.chunk("cHRM", [0, 0, 0x7A, 0x26, 0, 0, 0x80, 0x84, 0, 0, 0xFA, 0, 0, 0, 0x80, 0xE8,
                                                    0, 0, 0x75, 0x30, 0, 0, 0xEA, 0x60, 0, 0, 0x3A, 0x98, 0, 0, 0x17, 0x70])
        for extra in [tRNS, cHRM] {
            let tampered = Array(png[0..<33]) + extra + Array(png[33...])
            let (clean, report) = try MetadataStripping.strip(tampered, file: "hidden.png")
            #expect(!Self.contains(clean, Self.secret))
            #expect(report.removed.contains { $0.contains("malformed") }, "\(report.removed)")
            #expect(try ImageFile.decode(clean, file: "clean").eightBit == ImageFile.decode(png, file: "png").eightBit)
        }
        // A chunk of the right length is kept (rebuilt, same bytes and CRC).
        let kept = Array(png[0..<33]) + wellFormed + Array(png[33...])
        let (clean, _) = try MetadataStripping.strip(kept, file: "chrm.png")
        #expect(Self.contains(clean, wellFormed))
    }
}
