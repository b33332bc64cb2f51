import CPNG

/// PNG through libpng's simplified `png_image_*` API, which reports errors in a status
/// and message (the classic API would `longjmp`); the common 8-bit kinds take
/// `PNGFastPath` (libdeflate) first, with the same pixels.
///
/// Reads every kind: gray, gray+alpha, RGB, RGBA, palette (expanded to RGB or RGBA) at 1–16
/// bits. 8-bit and lower files decode to `Image<UInt8>`; 16-bit files to `Image<UInt16>`.
/// libpng's simplified API treats 16-bit data as linear light with premultiplied alpha;
/// this type undoes the premultiplication, so 16-bit colour under alpha a < 65535 comes
/// back within ±65535/a of what was written (exact for opaque pixels).
public enum PNG {
    /// The header: size, layout and bit depth of the decoded image (8 or 16).
    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var layout: ChannelLayout
        public var bitDepth: Int
    }

    /// A decoded PNG: 8-bit or 16-bit channels.
    public enum Decoded: Sendable, Equatable {
        case eight(Image<UInt8>)
        case sixteen(Image<UInt16>)

        public var width: Int { switch self { case let .eight(i): return i.width; case let .sixteen(i): return i.width } }
        public var height: Int { switch self { case let .eight(i): return i.height; case let .sixteen(i): return i.height } }
        public var layout: ChannelLayout { switch self { case let .eight(i): return i.layout; case let .sixteen(i): return i.layout } }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Reads the header only. - Throws: `ImageError` for data that is not a usable PNG.
    public static func header(of data: [UInt8], file: String = "<memory>") throws -> Header {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        return try begin(&image, data, file)
    }

    private static func begin(_ image: inout png_image, _ data: [UInt8], _ file: String) throws -> Header {
        guard data.count >= 8, Array(data[0..<8]) == pngSignature else {
            throw ImageError(file: file, problem: "not a PNG (the signature is missing)")
        }
        try checkChunks(data, file)
        let ok = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw ImageError(file: file, problem: "not a readable PNG (\(message(image)))") }
        let w = Int(image.width), h = Int(image.height)
        guard w > 0, h > 0 else { throw ImageError(file: file, problem: "PNG declares an empty image (\(w)×\(h))") }
        guard w * h <= ImageLimits.maximumPixels else {
            throw ImageError(file: file, problem: "PNG declares \(w)×\(h) pixels, over the \(ImageLimits.maximumPixels / 1_000_000)-megapixel limit")
        }
        let f = image.format
        let alpha = f & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0, color = f & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let layout: ChannelLayout = color ? (alpha ? .rgba : .rgb) : (alpha ? .grayAlpha : .gray)
        let depth = f & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 ? 16 : 8
        return Header(width: w, height: h, layout: layout, bitDepth: depth)
    }

    /// Walks the chunk layout (length, type, data, CRC) to the IEND chunk. libpng's
    /// simplified reader stops after the image data, so without this a file cut anywhere
    /// after its last IDAT would pass as whole. CRCs are libpng's to check.
    private static func checkChunks(_ data: [UInt8], _ file: String) throws {
        var offset = 8
        while true {
            guard offset + 8 <= data.count else {
                throw ImageError(file: file, problem: "truncated PNG: the file ends before its IEND chunk")
            }
            let length = Int(data[offset]) << 24 | Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            guard length <= 0x7FFF_FFFF else { throw ImageError(file: file, problem: "corrupt PNG: a chunk declares \(length) bytes") }
            let type = data[(offset + 4)..<(offset + 8)]
            let end = offset + 12 + length
            guard end <= data.count else {
                let name = String(decoding: type, as: UTF8.self)
                throw ImageError(file: file, problem: "truncated PNG: the file ends inside a \(name) chunk")
            }
            if Array(type) == [0x49, 0x45, 0x4E, 0x44] { return }  // IEND; trailing bytes are ignored
            offset = end
        }
    }

    /// Decodes a PNG of any kind. - Throws: `ImageError` for truncated or corrupt data
    /// (CRC errors included) or an absurd declared size.
    /// `fastPath: false` reads every file with libpng (tests compare the two).
    public static func decode(_ data: [UInt8], file: String = "<memory>", fastPath: Bool = true) throws -> Decoded {
        if fastPath, let common = PNGFastPath.decode(data) { return .eight(common) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let head = try begin(&image, data, file)
        image.format = formatFlags(head.layout, sixteen: head.bitDepth == 16)
        let count = head.width * head.height * head.layout.channels
        if head.bitDepth == 16 {
            var pixels = [UInt16](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw ImageError(file: file, problem: "corrupt or truncated PNG (\(message(image)))") }
            if head.layout.hasAlpha { unpremultiply(&pixels, channels: head.layout.channels) }
            return .sixteen(Image(width: head.width, height: head.height, layout: head.layout, pixels: pixels))
        } else {
            var pixels = [UInt8](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw ImageError(file: file, problem: "corrupt or truncated PNG (\(message(image)))") }
            return .eight(Image(width: head.width, height: head.height, layout: head.layout, pixels: pixels))
        }
    }

    /// Encodes an 8-bit image (any layout) with no text or time chunks.
    public static func encode(_ image: Image<UInt8>) throws -> [UInt8] {
        try write(image.pixels, image.width, image.height, formatFlags(image.layout, sixteen: false))
    }

    /// Encodes a 16-bit image (any layout), for depth and disparity maps and other data
    /// that must keep its values. The file is tagged linear (gAMA 1.0), as libpng does.
    public static func encode(_ image: Image<UInt16>) throws -> [UInt8] {
        var pixels = image.pixels
        if image.layout.hasAlpha { premultiply(&pixels, channels: image.layout.channels) }
        return try write(pixels, image.width, image.height, formatFlags(image.layout, sixteen: true))
    }

    private static func write<T>(_ pixels: [T], _ width: Int, _ height: Int, _ format: UInt32) throws -> [UInt8] {
        guard width > 0, height > 0 else { throw ImageError(file: "<memory>", problem: "cannot encode an empty image") }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width); image.height = UInt32(height); image.format = format
        defer { png_image_free(&image) }
        var size = 0
        var ok = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard ok != 0, size > 0 else { throw ImageError(file: "<memory>", problem: "PNG encoding failed (\(message(image)))") }
        var out = [UInt8](repeating: 0, count: size)
        ok = pixels.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, src.baseAddress, 0, nil) }
        }
        guard ok != 0 else { throw ImageError(file: "<memory>", problem: "PNG encoding failed (\(message(image)))") }
        return Array(out[0..<size])
    }

    private static func formatFlags(_ layout: ChannelLayout, sixteen: Bool) -> UInt32 {
        var f: UInt32 = 0
        if layout.hasAlpha { f |= UInt32(PNG_FORMAT_FLAG_ALPHA) }
        if layout.isColor { f |= UInt32(PNG_FORMAT_FLAG_COLOR) }
        if sixteen { f |= UInt32(PNG_FORMAT_FLAG_LINEAR) }
        return f
    }

    private static func premultiply(_ p: inout [UInt16], channels n: Int) {
        for i in stride(from: 0, to: p.count, by: n) {
            let a = UInt32(p[i + n - 1])
            for c in 0..<(n - 1) { p[i + c] = UInt16((UInt32(p[i + c]) * a + 32767) / 65535) }
        }
    }

    private static func unpremultiply(_ p: inout [UInt16], channels n: Int) {
        for i in stride(from: 0, to: p.count, by: n) {
            let a = UInt32(p[i + n - 1])
            for c in 0..<(n - 1) {
                p[i + c] = a == 0 ? 0 : UInt16(min(65535, (UInt32(p[i + c]) * 65535 + a / 2) / a))
            }
        }
    }

    private static func message(_ image: png_image) -> String {
        var m = image.message
        let s = withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return s.isEmpty ? "unknown error" : s
    }
}
