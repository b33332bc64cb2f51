/// Writes PNG files byte by byte (stored deflate blocks, so no zlib needed) for every
/// colour type and bit depth — including palette and 1/2/4-bit kinds that the encoder
/// under test does not produce — so that the decoder can be checked against files made
/// independently of libpng.
public enum PNGBuilder {
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6
        /// Samples per pixel.
        public var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][rawValue]! }
    }

    /// A PNG from already-packed scanlines (each without its filter byte).
    public static func png(width: Int, height: Int, bitDepth: UInt8, colorType: ColorType,
                           scanlines: [[UInt8]], palette: [(UInt8, UInt8, UInt8)]? = nil,
                           transparency: [UInt8]? = nil, filters: [UInt8]? = nil, idatChunks: Int = 1,
                           extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [bitDepth, colorType.rawValue, 0, 0, 0]
        out += chunk("IHDR", ihdr)
        if let palette { out += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        if let transparency { out += chunk("tRNS", transparency) }
        for (type, data) in extraChunks { out += chunk(type, data) }
        var raw: [UInt8] = []
        let bpp = max(1, Int(bitDepth) * colorType.channels / 8)
        for (y, line) in scanlines.enumerated() {
            let filter = filters.map { $0[y % $0.count] } ?? 0
            raw.append(filter)
            raw += filtered(line, above: y > 0 ? scanlines[y - 1] : nil, filter: filter, bpp: bpp)
        }
        let stream = zlibStored(raw)
        let parts = max(1, min(idatChunks, stream.count))
        for k in 0..<parts {
            out += chunk("IDAT", Array(stream[(k * stream.count / parts)..<((k + 1) * stream.count / parts)]))
        }
        out += chunk("IEND", [])
        return out
    }

    /// One scanline filtered as the PNG specification (9.2) says: each byte less its
    /// predictor from the left (`bpp` bytes back), above and upper-left unfiltered bytes.
    public static func filtered(_ line: [UInt8], above: [UInt8]?, filter: UInt8, bpp: Int) -> [UInt8] {
        line.indices.map { i in
            let a = i >= bpp ? Int(line[i - bpp]) : 0, b = above.map { Int($0[i]) } ?? 0
            let c = i >= bpp ? above.map { Int($0[i - bpp]) } ?? 0 : 0
            let predictor: Int
            switch filter {
            case 0: predictor = 0
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) / 2
            case 4:
                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
            default: predictor = Int(line[i])  // an invalid filter type: the byte is whatever
            }
            return UInt8(truncatingIfNeeded: Int(line[i]) - predictor)
        }
    }

    /// Packs samples of `bits` (1, 2, 4, 8) MSB first, or 16-bit big-endian.
    public static func pack(_ samples: [Int], bits: Int) -> [UInt8] {
        if bits == 16 { return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        if bits == 8 { return samples.map { UInt8($0) } }
        var out: [UInt8] = []
        var byte = 0, used = 0
        for s in samples {
            byte = byte << bits | s; used += bits
            if used == 8 { out.append(UInt8(byte)); byte = 0; used = 0 }
        }
        if used > 0 { out.append(UInt8(byte << (8 - used))) }
        return out
    }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(UInt32(data.count)) + typeBytes + data + be32(crc32(typeBytes + data))
    }

    public static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let final: UInt8 = i + n >= data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }
}
