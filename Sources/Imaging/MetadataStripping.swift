import Interchange

/// Removing identifying metadata from JPEG and PNG files without touching their pixels.
///
/// An allowlist, not a blocklist: only what decoding needs is kept. For JPEG that is the
/// JFIF APP0 header (rewritten without its thumbnail), Adobe APP14 (the colour transform
/// flag, rebuilt from that one value), the tables (DQT, DHT, DAC, DRI), frame and scan
/// headers and the entropy-coded data, copied byte for byte, ending at EOI; for PNG the
/// critical chunks (IHDR, PLTE, IDAT, IEND) and the colour chunks (tRNS, gAMA, cHRM, sRGB,
/// sBIT, cICP, mDCv, cLLi), each rebuilt with a fresh CRC and kept only at the exact length
/// its meaning needs (a chunk padded with text is dropped), ending at IEND. ICC profiles (JPEG APP2, PNG iCCP) are kept only on
/// request: they describe the camera's colour, and some carry a device description.
/// Everything else goes: Exif (GPS, owner, serial numbers, MakerNote, the IFD1 thumbnail),
/// XMP, IPTC/Photoshop APP13, comments, MPF and the secondary images after EOI; PNG text
/// (tEXt, zTXt, iTXt), eXIf, tIME, pHYs and any chunk after IEND.
public enum MetadataStripping {
    /// What was removed, for the user's report.
    public struct Report: Sendable, Equatable {
        /// Names of the removed parts, e.g. "APP1 Exif", "COM", "tEXt", "bytes after EOI".
        public var removed: [String] = []
        /// The EXIF orientation the file carried (Trinocular never applies it).
        public var droppedOrientation: ExifOrientation?
    }

    /// The stripped file's bytes and what was removed.
    /// - Throws: `ImageError` (naming `file`) for data that is not a complete JPEG or PNG.
    public static func strip(_ data: [UInt8], file: String, keepICC: Bool = false) throws -> ([UInt8], Report) {
        if data.count >= 2, data[0] == 0xFF, data[1] == 0xD8 { return try stripJPEG(data, file: file, keepICC: keepICC) }
        if data.count >= 8, Array(data[0..<8]) == PNGChunks.signature { return try stripPNG(data, file: file, keepICC: keepICC) }
        throw ImageError(file: file, problem: data.isEmpty ? "is empty" : "is not a JPEG or PNG image")
    }

    // MARK: JPEG

    static func stripJPEG(_ d: [UInt8], file: String, keepICC: Bool) throws -> ([UInt8], Report) {
        var report = Report(removed: [], droppedOrientation: ExifOrientation.read(jpeg: d))
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(d.count)
        var i = 2
        func truncated() -> ImageError { ImageError(file: file, problem: "is truncated or corrupt (JPEG ends before its EOI marker)") }
        while true {
            guard i + 2 <= d.count else { throw truncated() }
            guard d[i] == 0xFF else { throw ImageError(file: file, problem: "is corrupt (expected a JPEG marker at byte \(i))") }
            let marker = d[i + 1]
            if marker == 0xFF { i += 1; continue }                       // fill byte
            if marker == 0xD9 {                                           // EOI: the end
                out += [0xFF, 0xD9]
                if i + 2 < d.count { report.removed.append("\(d.count - i - 2) bytes after EOI") }
                return (out, report)
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { out += [0xFF, marker]; i += 2; continue }
            guard i + 4 <= d.count else { throw truncated() }
            let length = Int(d[i + 2]) << 8 | Int(d[i + 3])
            guard length >= 2, i + 2 + length <= d.count else { throw truncated() }
            let segment = d[i..<(i + 2 + length)]
            let payload = d[(i + 4)..<(i + 2 + length)]
            i += 2 + length
            switch marker {
            case 0xE0 where payload.starts(with: Array("JFIF\0".utf8)) && payload.count >= 12:
                // Version, units and density; no thumbnail.
                let p = Array(payload)
                out += [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + Array(p[5..<12]) + [0, 0]
                if p.count >= 14, Int(p[12]) * Int(p[13]) > 0 { report.removed.append("JFIF thumbnail") }
            case 0xEE where payload.starts(with: Array("Adobe".utf8)):
                // Rebuilt from its one meaningful value, the colour transform flag: whatever
                // else the segment held (text, padding) is not copied.
                if payload.count >= 12, payload[payload.startIndex + 11] <= 2 {
                    out += [0xFF, 0xEE, 0x00, 0x0E] + Array("Adobe".utf8) + [0x00, 0x64, 0x00, 0x00, 0x00, 0x00, payload[payload.startIndex + 11]]
                    if payload.count > 12 { report.removed.append("APP14 Adobe: \(payload.count - 12) extra bytes") }
                } else {
                    report.removed.append("APP14 Adobe (malformed)")
                }
            case 0xE2 where keepICC && payload.starts(with: Array("ICC_PROFILE\0".utf8)):
                out += segment
            case 0xE0...0xEF:
                report.removed.append("APP\(marker - 0xE0) \(label(payload))")
            case 0xFE:
                report.removed.append("COM")
            case 0xDB, 0xC4, 0xCC, 0xDD, 0xDC, 0xDF, 0xC0...0xCF:
                out += segment                                            // tables, frame headers
            case 0xDA:
                out += segment                                            // scan header, then data
                let start = i
                while true {
                    guard i + 1 < d.count else { throw truncated() }
                    if d[i] == 0xFF {
                        let next = d[i + 1]
                        if next == 0x00 || (0xD0...0xD7).contains(next) { i += 2; continue }
                        if next == 0xFF { i += 1; continue }
                        break
                    }
                    i += 1
                }
                out += d[start..<i]
            default:
                report.removed.append(String(format: "marker %02X", marker))
            }
        }
    }

    /// A readable name for an APPn segment from its identifier.
    static func label(_ payload: ArraySlice<UInt8>) -> String {
        let known: [(String, String)] = [("Exif\0", "Exif"), ("http://ns.adobe.com/xap/1.0/", "XMP"),
                                         ("http://ns.adobe.com/xmp/extension/", "XMP extension"),
                                         ("Photoshop 3.0", "IPTC/Photoshop"), ("MPF\0", "MPF"),
                                         ("ICC_PROFILE", "ICC profile"), ("JFXX", "JFIF extension"), ("Ducky", "Ducky")]
        for (prefix, name) in known where payload.starts(with: Array(prefix.utf8)) { return name }
        return "segment"
    }

    // MARK: PNG

    static let keptPNGChunks: Set<String> = ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "cICP", "mDCv", "cLLi"]

    static func stripPNG(_ d: [UInt8], file: String, keepICC: Bool) throws -> ([UInt8], Report) {
        var report = Report()
        var header: PNGHeader?
        var paletteEntries = 0
        var out = PNGChunks.signature
        out.reserveCapacity(d.count)
        var i = 8
        while true {
            guard i + 12 <= d.count else { throw ImageError(file: file, problem: "is truncated or corrupt (PNG ends before its IEND chunk)") }
            let length = Int(d[i]) << 24 | Int(d[i + 1]) << 16 | Int(d[i + 2]) << 8 | Int(d[i + 3])
            guard length <= d.count - i - 12 else { throw ImageError(file: file, problem: "is truncated or corrupt (a PNG chunk runs past the end)") }
            let type = String(decoding: d[(i + 4)..<(i + 8)], as: UTF8.self)
            let end = i + 12 + length
            let stored = UInt32(d[end - 4]) << 24 | UInt32(d[end - 3]) << 16 | UInt32(d[end - 2]) << 8 | UInt32(d[end - 1])
            guard PNGChunks.crc(d[(i + 4)..<(end - 4)]) == stored else {
                throw ImageError(file: file, problem: "is corrupt (the CRC of its \(type.excerpt(8)) chunk does not match)")
            }
            let body = Array(d[(i + 8)..<(end - 4)])
            if type == "IHDR", body.count == 13 { header = PNGHeader(body) }
            if keepICC && type == "iCCP" {
                out += d[i..<end]
            } else if keptPNGChunks.contains(type) {
                // Rebuilt, not copied: only a chunk of exactly the length its meaning needs
                // is kept, with a fresh CRC; a colour chunk padded with text is dropped.
                guard let kept = keptBody(type, body, header: header, paletteEntries: &paletteEntries) else {
                    if ["IHDR", "PLTE", "IDAT", "IEND"].contains(type) {
                        throw ImageError(file: file, problem: "is corrupt (its \(type) chunk is malformed)")
                    }
                    report.removed.append("\(type) (malformed: \(body.count) bytes)")
                    i = end
                    continue
                }
                out += PNGChunks.chunk(type, kept)
            } else {
                report.removed.append(type.excerpt(8))
            }
            i = end
            if type == "IEND" {
                if i < d.count { report.removed.append("\(d.count - i) bytes after IEND") }
                return (out, report)
            }
        }
    }
}

extension MetadataStripping {
    /// What a PNG's IHDR says about its pixels.
    struct PNGHeader {
        var bitDepth: UInt8
        var colourType: UInt8
        init(_ body: [UInt8]) { bitDepth = body[8]; colourType = body[9] }
    }

    /// The body of a kept chunk if its length is what its meaning needs (PNG 3rd edition,
    /// §11), else nil.
    static func keptBody(_ type: String, _ body: [UInt8], header: PNGHeader?, paletteEntries: inout Int) -> [UInt8]? {
        let colour = header?.colourType
        switch type {
        case "IHDR": return body.count == 13 ? body : nil
        case "IDAT": return body
        case "IEND": return body.isEmpty ? body : nil
        case "PLTE":
            guard body.count % 3 == 0, (1...256).contains(body.count / 3) else { return nil }
            paletteEntries = body.count / 3
            return body
        case "tRNS":
            switch colour {
            case 0: return body.count == 2 ? body : nil
            case 2: return body.count == 6 ? body : nil
            case 3: return (1...max(paletteEntries, 1)).contains(body.count) && paletteEntries > 0 ? body : nil
            default: return nil
            }
        case "gAMA": return body.count == 4 ? body : nil
        case "cHRM": return body.count == 32 ? body : nil
        case "sRGB": return body.count == 1 && body[0] <= 3 ? body : nil
        case "sBIT":
            let channels: [UInt8: Int] = [0: 1, 2: 3, 3: 3, 4: 2, 6: 4]
            return colour.flatMap { channels[$0] } == body.count ? body : nil
        case "cICP": return body.count == 4 ? body : nil
        case "mDCv": return body.count == 24 ? body : nil
        case "cLLi": return body.count == 8 ? body : nil
        default: return nil
        }
    }
}

/// PNG's signature and chunk CRC (ISO 3309 / ITU-T V.42, as zlib's crc32).
enum PNGChunks {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// A chunk: length, type, body and CRC.
    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        let typed = Array(type.utf8) + body
        return be(UInt32(body.count)) + typed + be(crc(typed))
    }

    static func crc<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
