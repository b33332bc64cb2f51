import Foundation
import Imaging
import TestSupport
import Testing

/// A deterministic test picture: smooth gradients plus seeded noise, so codecs see both.
func testPicture<T: ImageComponent>(_ type: T.Type, width: Int, height: Int, layout: ChannelLayout, seed: UInt64) -> Image<T> {
    var g = SeededGenerator(seed: seed)
    var pixels: [T] = []
    pixels.reserveCapacity(width * height * layout.channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<layout.channels {
                if layout.hasAlpha && c == layout.channels - 1 {
                    pixels.append(T(unitValue: Float(g.uniform(0, 1))))
                } else {
                    let v = 0.5 + 0.3 * sin(Double(x) * 0.11 + Double(c)) * cos(Double(y) * 0.07) + 0.1 * g.uniform(-1, 1)
                    pixels.append(T(unitValue: Float(v)))
                }
            }
        }
    }
    return Image(width: width, height: height, layout: layout, pixels: pixels)
}

@Suite struct PNGRoundTripTests {
    @Test(arguments: ChannelLayout.allCases)
    func eightBitRoundTripsExactly(layout: ChannelLayout) throws {
        let image = testPicture(UInt8.self, width: 37, height: 23, layout: layout, seed: 1)
        let bytes = try PNG.encode(image)
        guard case let .eight(back) = try PNG.decode(bytes) else { Issue.record("expected 8-bit"); return }
        #expect(back == image)
        let info = try ImageFile.info(of: bytes, file: "x.png")
        #expect(info.format == .png && info.width == 37 && info.height == 23 && info.layout == layout && info.bitDepth == 8)
    }

    @Test(arguments: [ChannelLayout.gray, .rgb])
    func sixteenBitOpaqueRoundTripsExactly(layout: ChannelLayout) throws {
        let image = testPicture(UInt16.self, width: 31, height: 17, layout: layout, seed: 2)
        guard case let .sixteen(back) = try PNG.decode(PNG.encode(image)) else { Issue.record("expected 16-bit"); return }
        #expect(back == image)
    }

    @Test(arguments: [ChannelLayout.grayAlpha, .rgba])
    func sixteenBitWithAlphaRoundTripsWithinPremultiplicationError(layout: ChannelLayout) throws {
        // libpng's simplified API stores 16-bit colour premultiplied by alpha: a channel under
        // alpha a comes back within 65535/a (+1 for rounding); alpha itself is exact.
        let image = testPicture(UInt16.self, width: 29, height: 19, layout: layout, seed: 3)
        guard case let .sixteen(back) = try PNG.decode(PNG.encode(image)) else { Issue.record("expected 16-bit"); return }
        let n = layout.channels
        var worstRatio = 0.0
        for i in stride(from: 0, to: image.pixels.count, by: n) {
            let a = Double(image.pixels[i + n - 1])
            #expect(back.pixels[i + n - 1] == image.pixels[i + n - 1])
            guard a > 0 else { continue }
            for c in 0..<(n - 1) {
                let error = abs(Double(back.pixels[i + c]) - Double(image.pixels[i + c]))
                worstRatio = max(worstRatio, error / (65535 / a + 1))
                if a == 65535 { #expect(error == 0) }
            }
        }
        #expect(worstRatio <= 1)
    }

    @Test func opaqueSixteenBitRGBAIsExact() throws {
        var image = testPicture(UInt16.self, width: 8, height: 8, layout: .rgba, seed: 4)
        for i in stride(from: 3, to: image.pixels.count, by: 4) { image.pixels[i] = 65535 }
        guard case let .sixteen(back) = try PNG.decode(PNG.encode(image)) else { Issue.record("expected 16-bit"); return }
        #expect(back == image)
    }

    // Files made byte by byte (PNGBuilder), independently of libpng's writer.

    @Test(arguments: [1, 2, 4, 8])
    func lowBitDepthGrayExpandsToFullScale(bits: Int) throws {
        let maxValue = (1 << bits) - 1
        let width = 13, height = 3
        let samples = (0..<(width * height)).map { ($0 * 7) % (maxValue + 1) }
        let lines = (0..<height).map { PNGBuilder.pack(Array(samples[($0 * width)..<(($0 + 1) * width)]), bits: bits) }
        let bytes = PNGBuilder.png(width: width, height: height, bitDepth: UInt8(bits), colorType: .gray, scanlines: lines)
        guard case let .eight(image) = try PNG.decode(bytes) else { Issue.record("expected 8-bit"); return }
        #expect(image.layout == .gray)
        #expect(image.pixels == samples.map { UInt8($0 * 255 / maxValue) })
    }

    @Test func paletteExpandsToRGB() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
        let indices = [0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2]
        let lines = (0..<3).map { PNGBuilder.pack(Array(indices[($0 * 4)..<(($0 + 1) * 4)]), bits: 2) }
        let bytes = PNGBuilder.png(width: 4, height: 3, bitDepth: 2, colorType: .palette, scanlines: lines, palette: palette)
        guard case let .eight(image) = try PNG.decode(bytes) else { Issue.record("expected 8-bit"); return }
        #expect(image.layout == .rgb)
        #expect(image.pixels == indices.flatMap { [palette[$0].0, palette[$0].1, palette[$0].2] })
    }

    @Test func paletteWithTransparencyExpandsToRGBA() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(1, 2, 3), (200, 100, 50)]
        let bytes = PNGBuilder.png(width: 2, height: 1, bitDepth: 8, colorType: .palette, scanlines: [[0, 1]],
                                   palette: palette, transparency: [0, 255])
        guard case let .eight(image) = try PNG.decode(bytes) else { Issue.record("expected 8-bit"); return }
        #expect(image.layout == .rgba)
        #expect(Array(image.pixels[4..<8]) == [200, 100, 50, 255])
        #expect(image.pixels[3] == 0)
    }

    @Test func sixteenBitGrayFileKeepsItsValues() throws {
        let samples = [0, 1, 257, 4095, 40000, 65535]
        let bytes = PNGBuilder.png(width: 6, height: 1, bitDepth: 16, colorType: .gray, scanlines: [PNGBuilder.pack(samples, bits: 16)])
        guard case let .sixteen(image) = try PNG.decode(bytes) else { Issue.record("expected 16-bit"); return }
        #expect(image.pixels == samples.map { UInt16($0) })
    }

    @Test func eightBitGrayAlphaAndRGBFilesDecode() throws {
        let ga = PNGBuilder.png(width: 2, height: 1, bitDepth: 8, colorType: .grayAlpha, scanlines: [[10, 20, 30, 255]])
        guard case let .eight(a) = try PNG.decode(ga) else { Issue.record("expected 8-bit"); return }
        #expect(a.layout == .grayAlpha && a.pixels == [10, 20, 30, 255])
        let rgb = PNGBuilder.png(width: 1, height: 2, bitDepth: 8, colorType: .rgb, scanlines: [[1, 2, 3], [4, 5, 6]])
        guard case let .eight(b) = try PNG.decode(rgb) else { Issue.record("expected 8-bit"); return }
        #expect(b.layout == .rgb && b.pixels == [1, 2, 3, 4, 5, 6])
    }
}

@Suite struct JPEGTests {
    @Test(arguments: [ChannelLayout.gray, .rgb])
    func roundTripAtHighQualityIsClose(layout: ChannelLayout) throws {
        let image = testPicture(UInt8.self, width: 64, height: 48, layout: layout, seed: 5)
        let bytes = try JPEG.encode(image, quality: 100)
        let back = try JPEG.decode(bytes)
        #expect(back.width == 64 && back.height == 48 && back.layout == layout)
        // Quality 100, 4:4:4: DCT quantisation leaves about a grey level on noisy content.
        let errors = zip(image.pixels, back.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(errors.reduce(0, +)) / Double(errors.count)
        #expect(mean <= 1.5, "mean absolute error \(mean)")
        #expect(errors.max()! <= 12)
    }

    @Test func qualityTradesSizeForError() throws {
        let image = testPicture(UInt8.self, width: 96, height: 64, layout: .rgb, seed: 6)
        let small = try JPEG.encode(image, quality: 30), large = try JPEG.encode(image, quality: 95)
        #expect(small.count < large.count)
        func meanError(_ b: [UInt8]) throws -> Double {
            let back = try JPEG.decode(b)
            return Double(zip(image.pixels, back.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(image.pixels.count)
        }
        #expect(try meanError(small) > meanError(large))
    }

    @Test func colorDecodesToGrayOnRequest() throws {
        let image = testPicture(UInt8.self, width: 16, height: 16, layout: .rgb, seed: 7)
        let gray = try JPEG.decode(JPEG.encode(image, quality: 100), as: .gray)
        #expect(gray.layout == .gray)
        let expected = image.grayscale()
        let mean = Double(zip(gray.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / 256
        #expect(mean <= 2)
    }

    @Test func encodedJPEGCarriesNoMetadata() throws {
        let bytes = try JPEG.encode(testPicture(UInt8.self, width: 8, height: 8, layout: .rgb, seed: 8))
        #expect(ExifOrientation.read(jpeg: bytes) == nil)
        // No APP1 (EXIF/XMP) or COM segment before the scan.
        var i = 2
        while i + 4 <= bytes.count, bytes[i] == 0xFF, bytes[i + 1] != 0xDA {
            #expect(bytes[i + 1] != 0xE1 && bytes[i + 1] != 0xFE)
            i += 2 + (Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
        }
    }
}

/// Inserts an EXIF APP1 segment holding only an orientation tag after SOI.
func withOrientation(_ jpeg: [UInt8], _ value: UInt16, bigEndian: Bool) -> [UInt8] {
    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func u32(_ v: UInt32) -> [UInt8] { bigEndian ? [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
    var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
    tiff += u16(42) + u32(8) + u16(2)
    tiff += u16(0x010F) + u16(2) + u32(4) + u32(0)  // Make (ignored)
    tiff += u16(0x0112) + u16(3) + u32(1) + u16(value) + [0, 0]
    tiff += u32(0)
    let body: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0] + tiff
    let length = body.count + 2
    return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body + jpeg[2...]
}

@Suite struct ExifTests {
    @Test(arguments: [(UInt16(6), true), (UInt16(3), false), (UInt16(8), true), (UInt16(1), false)])
    func orientationIsReadAndReported(value: UInt16, bigEndian: Bool) throws {
        let plain = try JPEG.encode(testPicture(UInt8.self, width: 8, height: 8, layout: .gray, seed: 9))
        let tagged = withOrientation(plain, value, bigEndian: bigEndian)
        #expect(ExifOrientation.read(jpeg: tagged)?.rawValue == Int(value))
        let info = try ImageFile.info(of: tagged, file: "tagged.jpg")
        #expect(info.orientation?.rawValue == Int(value))
        // The pixels are decoded as stored: orientation is reported, never applied.
        #expect(try JPEG.decode(tagged) == JPEG.decode(plain))
    }
}

@Suite struct ConversionTests {
    @Test func grayAndRGB() {
        let rgb = Image<UInt8>(width: 2, height: 1, layout: .rgb, pixels: [255, 0, 0, 10, 200, 30])
        let gray = rgb.grayscale()
        let second: Double = 0.299 * 10 + 0.587 * 200 + 0.114 * 30
        #expect(gray.pixels == [76, UInt8(second.rounded())])  // 0.299 · 255 = 76.2
        #expect(gray.rgb().pixels == [76, 76, 76, 124, 124, 124])
        let rgba = Image<UInt8>(width: 1, height: 1, layout: .rgba, pixels: [1, 2, 3, 4])
        #expect(rgba.rgb().pixels == [1, 2, 3])
        #expect(Image<UInt8>(width: 1, height: 1, layout: .grayAlpha, pixels: [9, 4]).grayscale().pixels == [9])
    }

    @Test func depthConversionsKeepFullScale() {
        let all = Image<UInt8>(width: 256, height: 1, layout: .gray, pixels: (0...255).map { UInt8($0) })
        let sixteen = all.converted(to: UInt16.self)
        #expect(sixteen.pixels == (0...255).map { UInt16($0) * 257 })
        #expect(sixteen.converted(to: UInt8.self) == all)
        let float = all.converted(to: Float.self)
        #expect(float.pixels.first == 0 && float.pixels.last == 1)
        #expect(float.converted(to: UInt8.self) == all)
        let wide = Image<UInt16>(width: 3, height: 1, layout: .gray, pixels: [0, 32768, 65535])
        #expect(wide.converted(to: Float.self).converted(to: UInt16.self) == wide)
        let clipped = Image<Float>(width: 2, height: 1, layout: .gray, pixels: [-0.5, 1.5]).converted(to: UInt8.self)
        #expect(clipped.pixels == [0, 255])
    }
}
