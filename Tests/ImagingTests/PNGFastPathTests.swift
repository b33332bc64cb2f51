import Foundation
import Imaging
import TestSupport
import Testing

/// The common PNG's fast path (libdeflate + own unfiltering, issue 22) gives exactly the
/// samples written, and leaves to libpng every file it does not fully understand.
@Suite struct PNGFastPathTests {
    static let layouts: [(PNGBuilder.ColorType, ChannelLayout)] = [(.gray, .gray), (.grayAlpha, .grayAlpha), (.rgb, .rgb), (.rgba, .rgba)]

    /// Samples that make the predictors tie often (few levels) and differ widely (noise).
    static func samples(count: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            switch i % 3 {
            case 0: return UInt8(Int(g.uniform(0, 3)))          // 0, 1, 2: ties
            case 1: return UInt8(Int(g.uniform(0, 256)) & 0xFF)  // anything: wrap-around
            default: return UInt8((i * 7) & 0xFF)                // a ramp
            }
        }
    }

    @Test(arguments: [1, 2, 7, 40])
    func everyFilterAndLayoutDecodesToTheSamplesWritten(width: Int) throws {
        let height = 11
        for (k, (colour, layout)) in Self.layouts.enumerated() {
            let rowBytes = width * layout.channels
            let values = Self.samples(count: rowBytes * height, seed: UInt64(width * 10 + k))
            let lines = (0..<height).map { Array(values[($0 * rowBytes)..<(($0 + 1) * rowBytes)]) }
            // Every filter after every other, first row included; the data split over 3 IDATs.
            let bytes = PNGBuilder.png(width: width, height: height, bitDepth: 8, colorType: colour, scanlines: lines,
                                       filters: [4, 3, 1, 2, 0, 4, 4, 3, 3, 2, 1], idatChunks: 3,
                                       extraChunks: [("sRGB", [0]), ("tEXt", Array("Comment\u{0}x".utf8))])
            let fast = try #require(PNGFastPath.decode(bytes), "\(layout) \(width) px wide: the fast path declined")
            #expect(fast.pixels == values, "\(layout), \(width) px wide")
            #expect(fast.layout == layout && fast.width == width && fast.height == height)
            guard case let .eight(libpng) = try PNG.decode(bytes, fastPath: false) else { Issue.record("expected 8-bit"); continue }
            #expect(libpng == fast)
        }
    }

    /// libpng's own writer (real deflate, its adaptive filter choice) and real photographs.
    @Test func libpngsFilesAndTheSharedPhotographsDecodeAsLibpngDecodesThem() throws {
        var files: [(String, [UInt8])] = []
        for layout in [ChannelLayout.gray, .rgb, .rgba] {
            files.append(("\(layout)", try PNG.encode(testPicture(UInt8.self, width: 301, height: 77, layout: layout, seed: 9))))
        }
        for name in ["middlebury-cones/im2.png", "middlebury-dino/view05.png"] {
            files.append((name, [UInt8](try Data(contentsOf: TestPaths.shared(name)))))
        }
        for (name, bytes) in files {
            let fast = try #require(PNGFastPath.decode(bytes), "\(name): the fast path declined")
            guard case let .eight(libpng) = try PNG.decode(bytes, fastPath: false) else { Issue.record("expected 8-bit"); continue }
            #expect(fast == libpng, "\(name)")
        }
    }

    /// Chunks that change values, and damaged files, go to libpng, which decodes or names
    /// the problem exactly as before.
    @Test func whatItDoesNotFullyUnderstandGoesToLibpng() throws {
        let line: [UInt8] = [10, 20, 30, 40]
        func gray(_ extra: [(String, [UInt8])] = [], filters: [UInt8] = [1]) -> [UInt8] {
            PNGBuilder.png(width: 4, height: 2, bitDepth: 8, colorType: .gray, scanlines: [line, line], filters: filters, extraChunks: extra)
        }
        #expect(PNGFastPath.decode(gray()) != nil)
        for chunk in [("gAMA", PNGBuilder.be32(100_000)), ("tRNS", [0, 10]), ("sBIT", [5]), ("iCCP", Array("p\u{0}\u{0}".utf8))] {
            #expect(PNGFastPath.decode(gray([chunk])) == nil, "\(chunk.0)")
        }
        #expect(PNGFastPath.decode(gray([("Zzzz", [1])])) == nil)  // an unknown critical chunk (upper-case first letter)
        #expect(PNGFastPath.decode(gray([("zzzz", [1])])) != nil)  // an unknown ancillary one is skipped

        var badCRC = gray()
        badCRC[badCRC.count - 20] ^= 0x40  // inside IDAT's data
        #expect(PNGFastPath.decode(badCRC) == nil)
        #expect(throws: ImageError.self) { try PNG.decode(badCRC) }

        let badFilter = gray(filters: [5])
        #expect(PNGFastPath.decode(badFilter) == nil)
        #expect(throws: ImageError.self) { try PNG.decode(badFilter) }

        // One scanline declared but two in the data; and two declared but one given.
        let long = PNGBuilder.png(width: 4, height: 1, bitDepth: 8, colorType: .gray, scanlines: [line, line])
        #expect(PNGFastPath.decode(long) == nil)
        let short = PNGBuilder.png(width: 4, height: 3, bitDepth: 8, colorType: .gray, scanlines: [line, line])
        #expect(PNGFastPath.decode(short) == nil)
        #expect(throws: ImageError.self) { try PNG.decode(short) }

        var cut = gray()
        cut.removeLast(12)  // no IEND
        #expect(PNGFastPath.decode(cut) == nil)
        #expect(throws: ImageError.self) { try PNG.decode(cut) }
    }
}
