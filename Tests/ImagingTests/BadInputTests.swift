import Foundation
import Imaging
import TestSupport
import Testing

/// Every JPEG and PNG under shared/data decodes.
@Suite struct SharedDataDecodingTests {
    static func imageFiles() -> [URL] {
        guard let e = FileManager.default.enumerator(at: TestPaths.sharedData, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { ["jpg", "jpeg", "png"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.path < $1.path }
    }

    @Test func everySharedImageDecodes() throws {
        let files = Self.imageFiles()
        #expect(files.count >= 31)  // 26 chessboard JPEGs, 2 cones PNGs, 3 dino PNGs
        for url in files {
            let image = try ImageFile.read(url)
            #expect(image.info.width > 0 && image.info.height > 0, "\(url.path)")
            let eight = image.eightBit
            #expect(eight.width == image.info.width && eight.height == image.info.height)
            if url.path.contains("opencv-stereo-chessboard") { #expect(eight.width == 640 && eight.height == 480) }
            if url.path.contains("middlebury-cones") { #expect(eight.width == 450 && eight.height == 375) }
        }
    }
}

@Suite struct BadImageTests {
    static func expectError(_ data: [UInt8], file: String = "patient-free.bin", containing text: String) {
        do {
            _ = try ImageFile.decode(data, file: file)
            Issue.record("expected an error containing \(text)")
        } catch let error as ImageError {
            #expect(error.file == file)
            if !text.isEmpty { #expect(error.description.contains(text), "\(error)") }
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func notAnImage() {
        Self.expectError(Array("hello, this is text".utf8), containing: "not a JPEG or PNG")
        Self.expectError([], containing: "empty")
        Self.expectError([0xFF, 0xD8], containing: "not a JPEG or PNG")
    }

    @Test func absurdPNGSizeIsRefusedBeforeAllocating() {
        // 20000 × 20000 = 400 MP, valid CRCs.
        let bytes = PNGBuilder.png(width: 20000, height: 20000, bitDepth: 8, colorType: .gray, scanlines: [[0]])
        Self.expectError(bytes, containing: "megapixel limit")
    }

    @Test func absurdJPEGSizeIsRefusedBeforeAllocating() throws {
        var bytes = try JPEG.encode(testPicture(UInt8.self, width: 16, height: 16, layout: .gray, seed: 1))
        // Patch the SOF0 frame size to 60000 × 60000 (3.6 gigapixels).
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xEA; bytes[sof + 6] = 0x60; bytes[sof + 7] = 0xEA; bytes[sof + 8] = 0x60
        Self.expectError(bytes, containing: "megapixel limit")
    }

    @Test func missingFileAndFolderAreNamed() {
        #expect(throws: ImageError.self) { try ImageFile.read(URL(fileURLWithPath: "/nonexistent/cam0.jpg")) }
        do { _ = try ImageFile.read(URL(fileURLWithPath: "/tmp")) } catch let e as ImageError {
            #expect(e.description.contains("folder"))
        } catch { Issue.record("\(error)") }
    }

    @Test func truncatedFilesThrow() throws {
        let jpeg = try JPEG.encode(testPicture(UInt8.self, width: 32, height: 32, layout: .rgb, seed: 2))
        let png = try PNG.encode(testPicture(UInt8.self, width: 32, height: 32, layout: .rgb, seed: 2))
        for (name, data) in [("t.jpg", jpeg), ("t.png", png)] {
            for cut in [1, 2, 5, 12, data.count / 2, data.count - 40] {
                Self.expectError(Array(data.dropLast(cut)), file: name, containing: "truncated")
            }
        }
    }
}

/// 1,000 truncated and bit-flipped variants of real and generated files: every one gives a
/// decoded image or a thrown `ImageError` — never a crash, never another error type — and
/// every truncated one throws.
@Suite struct FuzzTests {
    static func seeds() throws -> [(String, [UInt8])] {
        [
            ("left01.jpg", [UInt8](try Data(contentsOf: TestPaths.shared("opencv-stereo-chessboard/left/01.jpg")))),
            ("im2.png", [UInt8](try Data(contentsOf: TestPaths.shared("middlebury-cones/im2.png")))),
            ("gray.jpg", try JPEG.encode(testPicture(UInt8.self, width: 40, height: 30, layout: .gray, seed: 3), quality: 80)),
            ("rgba16.png", try PNG.encode(testPicture(UInt16.self, width: 20, height: 10, layout: .rgba, seed: 4))),
            ("tagged.jpg", withOrientation(try JPEG.encode(testPicture(UInt8.self, width: 24, height: 16, layout: .rgb, seed: 5)), 6, bigEndian: false)),
        ]
    }

    @Test func thousandVariantsOnlyThrowImageErrors() throws {
        let seeds = try Self.seeds()
        var g = SeededGenerator(seed: 2024)
        var truncatedThrown = 0, truncatedTotal = 0, flippedThrown = 0, flippedDecoded = 0
        for n in 0..<1000 {
            let (name, original) = seeds[n % seeds.count]
            var data = original
            let kind = n % 3  // 0: truncate, 1: flip bits, 2: both
            if kind != 1 { data = Array(data.prefix(Int.random(in: 0..<data.count, using: &g))) }
            if kind != 0, !data.isEmpty {
                for _ in 0..<Int.random(in: 1...8, using: &g) {
                    let i = Int.random(in: 0..<data.count, using: &g)
                    data[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
                }
            }
            do {
                let image = try ImageFile.decode(data, file: name)
                #expect(kind == 1, "a truncated \(name) (\(data.count) of \(original.count) bytes) decoded")
                #expect(image.info.width * image.info.height <= ImageLimits.maximumPixels)
                flippedDecoded += 1
            } catch let error as ImageError {
                #expect(error.file == name)
                if kind == 1 { flippedThrown += 1 }
            } catch {
                Issue.record("variant \(n) of \(name) threw a non-image error: \(error)")
            }
            if kind == 0 { truncatedTotal += 1 }
            if kind == 0, (try? ImageFile.decode(data, file: name)) == nil { truncatedThrown += 1 }
        }
        #expect(truncatedThrown == truncatedTotal)
        #expect(flippedThrown + flippedDecoded == 333)
    }
}
