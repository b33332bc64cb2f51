import CDeflate

/// The common PNG read without libpng: 8-bit gray, gray + alpha, RGB or RGBA, not
/// interlaced, with no chunk that changes pixel values (gAMA, cHRM, iCCP, sBIT, tRNS,
/// PLTE, bKGD). Cameras' and Trinocular's own PNGs are of this kind. The image data is
/// inflated in one call by libdeflate (whole-buffer, about twice zlib's speed) and the
/// scanline filters are undone in place, so a 5 MP gray image decodes in about half
/// libpng's time (issue 22: calibration reads 84 of them).
///
/// Anything else, and anything in the file that disagrees (a bad CRC, a truncated or
/// overlong data stream, an unknown filter), returns nil: the caller then asks libpng,
/// which reads every kind and names the problem. So this path never decides an error;
/// on the files it takes it gives exactly libpng's pixels (tested).
public enum PNGFastPath {
    /// The decoded image, or nil when libpng should read the file.
    public static func decode(_ data: [UInt8]) -> Image<UInt8>? {
        data.withUnsafeBufferPointer { decode($0) }
    }

    /// What IHDR says, when it is a kind this path reads.
    struct Header {
        var width: Int, height: Int, layout: ChannelLayout
        /// Bytes per scanline, without its filter byte.
        var rowBytes: Int { width * layout.channels }
    }

    private static func decode(_ file: UnsafeBufferPointer<UInt8>) -> Image<UInt8>? {
        guard file.count >= 8 + 25, Array(file[0..<8]) == PNG.pngSignature else { return nil }
        var header: Header?
        var compressed: [UInt8] = []
        var offset = 8, previous: UInt32 = 0
        while true {
            guard offset + 12 <= file.count else { return nil }
            let length = Int(bigEndian32(file, offset)), type = bigEndian32(file, offset + 4)
            guard length <= 0x7FFF_FFFF, offset + 12 + length <= file.count else { return nil }
            let body = UnsafeBufferPointer(rebasing: file[(offset + 8)..<(offset + 8 + length)])
            let crc = libdeflate_crc32(0, file.baseAddress! + offset + 4, 4 + length)
            guard crc == bigEndian32(file, offset + 8 + length) else { return nil }
            switch type {
            case chunk("IHDR"):
                guard header == nil, offset == 8, let parsed = parseHeader(body) else { return nil }
                header = parsed
            case chunk("IDAT"):
                // The image data is one run of IDAT chunks.
                guard header != nil, compressed.isEmpty || previous == chunk("IDAT") else { return nil }
                compressed.append(contentsOf: body)
            case chunk("IEND"):
                guard let header else { return nil }
                return inflate(compressed, header)
            default:
                let ancillary = (type >> 29) & 1 == 1  // the first letter is lower case
                guard header != nil, ancillary, !valueChanging.contains(type) else { return nil }
            }
            previous = type
            offset += 12 + length
        }
    }

    /// Ancillary chunks libpng applies to the pixels it returns.
    private static let valueChanging: Set<UInt32> = Set(["gAMA", "cHRM", "iCCP", "sBIT", "tRNS", "bKGD"].map(chunk))

    private static func parseHeader(_ body: UnsafeBufferPointer<UInt8>) -> Header? {
        guard body.count == 13 else { return nil }
        let width = Int(bigEndian32(body, 0)), height = Int(bigEndian32(body, 4))
        let depth = body[8], colour = body[9]
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF,
              width <= ImageLimits.maximumPixels / height,
              depth == 8, body[10] == 0, body[11] == 0, body[12] == 0 else { return nil }
        let layout: ChannelLayout
        switch colour {
        case 0: layout = .gray
        case 2: layout = .rgb
        case 4: layout = .grayAlpha
        case 6: layout = .rgba
        default: return nil
        }
        return Header(width: width, height: height, layout: layout)
    }

    private static func inflate(_ compressed: [UInt8], _ header: Header) -> Image<UInt8>? {
        let stride = header.rowBytes + 1
        let (rawCount, overflow) = stride.multipliedReportingOverflow(by: header.height)
        guard !overflow, let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        var raw = [UInt8](unsafeUninitializedCapacity: rawCount) { _, count in count = rawCount }
        // Exactly rawCount bytes, Adler-32 checked; fewer or more is an error here.
        let status = compressed.withUnsafeBytes { input in
            raw.withUnsafeMutableBytes { output in
                libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, output.baseAddress, output.count, nil)
            }
        }
        guard status == LIBDEFLATE_SUCCESS else { return nil }
        let count = header.rowBytes * header.height
        var failed = false
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            raw.withUnsafeBufferPointer { failed = !unfilter($0, into: out.baseAddress!, header) }
            initialized = count
        }
        return failed ? nil : Image(width: header.width, height: header.height, layout: header.layout, pixels: pixels)
    }

    /// Undoes each scanline's filter (PNG spec 9.2) from `raw` (a filter byte, then the
    /// filtered row) into `out` (rows without filter bytes). False on an unknown filter.
    static func unfilter(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, _ header: Header) -> Bool {
        let n = header.rowBytes, bpp = header.layout.channels
        let zeros = [UInt8](repeating: 0, count: n)
        return zeros.withUnsafeBufferPointer { zero in
            for y in 0..<header.height {
                let source = raw.baseAddress! + y * (n + 1) + 1, row = out + y * n
                let up = y == 0 ? zero.baseAddress! : UnsafePointer(row - n)
                switch source[-1] {
                case 0: row.update(from: source, count: n)
                case 1: sub(source, row, n, bpp)
                case 2: for i in 0..<n { row[i] = source[i] &+ up[i] }
                case 3: average(source, up, row, n, bpp)
                case 4: paeth(source, up, row, n, bpp)
                default: return false
                }
            }
            return true
        }
    }

    // The left neighbour is carried in a register when pixels are one byte (gray), the
    // common case: reloading the byte just stored costs a store-forwarding delay per pixel.

    @inline(__always)
    private static func sub(_ s: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        for i in 0..<min(bpp, n) { r[i] = s[i] }
        if bpp == 1 {
            var left = r[0]
            for i in 1..<max(n, 1) { left = s[i] &+ left; r[i] = left }
            return
        }
        pixelwiseSub(s, r, n, bpp)
    }

    @inline(__always)
    private static func average(_ s: UnsafePointer<UInt8>, _ up: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        for i in 0..<min(bpp, n) { r[i] = s[i] &+ (up[i] >> 1) }
        if bpp == 1 {
            var left = UInt32(r[0])
            for i in 1..<max(n, 1) {
                left = (UInt32(s[i]) &+ ((left &+ UInt32(up[i])) >> 1)) & 0xFF
                r[i] = UInt8(truncatingIfNeeded: left)
            }
            return
        }
        pixelwiseAverage(s, up, r, n, bpp)
    }

    @inline(__always)
    private static func paeth(_ s: UnsafePointer<UInt8>, _ up: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        // Left and upper-left are zero in the first pixel: the predictor is the pixel above.
        for i in 0..<min(bpp, n) { r[i] = s[i] &+ up[i] }
        if bpp == 1 {
            var a = Int32(r[0])
            for i in 1..<max(n, 1) {
                a = Int32(s[i] &+ UInt8(truncatingIfNeeded: paethPredictor(a, Int32(up[i]), Int32(up[i - 1]))))
                r[i] = UInt8(truncatingIfNeeded: a)
            }
            return
        }
        pixelwisePaeth(s, up, r, n, bpp)
    }

    // Pixels of 2–4 bytes (gray + alpha, RGB, RGBA): a pixel at a time in SIMD4 lanes, the
    // left pixel carried in a register (libpng does the same for 3 and 4 bytes with SSE2).

    @inline(__always)
    private static func load(_ p: UnsafePointer<UInt8>, _ o: Int, _ bpp: Int) -> SIMD4<Int32> {
        SIMD4(Int32(p[o]), Int32(p[o + 1]), bpp > 2 ? Int32(p[o + 2]) : 0, bpp > 3 ? Int32(p[o + 3]) : 0)
    }

    @inline(__always)
    private static func store(_ v: SIMD4<Int32>, _ r: UnsafeMutablePointer<UInt8>, _ o: Int, _ bpp: Int) {
        r[o] = UInt8(truncatingIfNeeded: v[0]); r[o + 1] = UInt8(truncatingIfNeeded: v[1])
        if bpp > 2 { r[o + 2] = UInt8(truncatingIfNeeded: v[2]) }
        if bpp > 3 { r[o + 3] = UInt8(truncatingIfNeeded: v[3]) }
    }

    private static func pixelwiseSub(_ s: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        var a = SIMD4<Int32>(), o = 0
        while o < n { a = (load(s, o, bpp) &+ a) & 255; store(a, r, o, bpp); o += bpp }
    }

    private static func pixelwiseAverage(_ s: UnsafePointer<UInt8>, _ up: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        var a = SIMD4<Int32>(), o = 0
        while o < n { a = (load(s, o, bpp) &+ ((a &+ load(up, o, bpp)) &>> 1)) & 255; store(a, r, o, bpp); o += bpp }
    }

    private static func pixelwisePaeth(_ s: UnsafePointer<UInt8>, _ up: UnsafePointer<UInt8>, _ r: UnsafeMutablePointer<UInt8>, _ n: Int, _ bpp: Int) {
        // Left and upper-left start at zero: the first pixel's predictor is the one above.
        var a = SIMD4<Int32>(), c = SIMD4<Int32>(), o = 0
        while o < n {
            let b = load(up, o, bpp)
            let pa = magnitude(b &- c), pb = magnitude(a &- c), pc = magnitude(a &+ b &- 2 &* c)
            let nearerB = c.replacing(with: b, where: pb .<= pc)
            let predictor = nearerB.replacing(with: a, where: (pa .<= pb) .& (pa .<= pc))
            a = (load(s, o, bpp) &+ predictor) & 255
            store(a, r, o, bpp)
            c = b
            o += bpp
        }
    }

    @inline(__always)
    private static func magnitude(_ x: SIMD4<Int32>) -> SIMD4<Int32> { let m = x &>> 31; return (x ^ m) &- m }

    /// Of left a, above b and upper-left c, the one nearest a + b − c (ties: a, then b).
    @inline(__always)
    static func paethPredictor(_ a: Int32, _ b: Int32, _ c: Int32) -> Int32 {
        let pa = magnitude(b &- c), pb = magnitude(a &- c), pc = magnitude(a &+ b &- 2 &* c)
        let nearerB = pb <= pc ? b : c
        return pa <= pb && pa <= pc ? a : nearerB
    }

    @inline(__always)
    private static func magnitude(_ x: Int32) -> Int32 { let m = x >> 31; return (x ^ m) &- m }

    private static func bigEndian32(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
    }

    private static func chunk(_ name: String) -> UInt32 {
        name.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
