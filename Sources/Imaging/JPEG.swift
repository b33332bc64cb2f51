import CJPEG

/// JPEG through libjpeg-turbo's TurboJPEG API, whose calls return status codes (no
/// `exit()`, no `longjmp` into Swift). Warnings such as "premature end of data" are errors.
public enum JPEG {
    /// The header: size and whether the file is gray.
    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var layout: ChannelLayout
    }

    /// Reads the header only. - Throws: `ImageError` for data that is not a usable JPEG.
    public static func header(of data: [UInt8], file: String = "<memory>") throws -> Header {
        guard let handle = tjInitDecompress() else { throw ImageError(file: file, problem: "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        return try header(handle, data, file)
    }

    private static func header(_ handle: tjhandle, _ data: [UInt8], _ file: String) throws -> Header {
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = data.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &w, &h, &subsampling, &colorspace)
        }
        guard status == 0 else { throw ImageError(file: file, problem: "not a readable JPEG (\(message(handle)))") }
        guard w > 0, h > 0 else { throw ImageError(file: file, problem: "corrupt or truncated JPEG: its header declares no image (\(w)×\(h))") }
        guard Int(w) * Int(h) <= ImageLimits.maximumPixels else {
            throw ImageError(file: file, problem: "JPEG declares \(w)×\(h) pixels, over the \(ImageLimits.maximumPixels / 1_000_000)-megapixel limit")
        }
        let layout: ChannelLayout
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): layout = .gray
        case Int32(TJCS_RGB.rawValue), Int32(TJCS_YCbCr.rawValue): layout = .rgb
        default: throw ImageError(file: file, problem: "CMYK/YCCK JPEG is not supported; save it as RGB")
        }
        return Header(width: Int(w), height: Int(h), layout: layout)
    }

    /// Decodes to 8-bit gray (for gray JPEGs) or RGB, or to the layout asked for.
    /// - Parameter layout: `.gray` or `.rgb` to force one; nil keeps the file's.
    /// - Throws: `ImageError` for truncated or corrupt data, or an absurd declared size.
    public static func decode(_ data: [UInt8], file: String = "<memory>",
                              as layout: ChannelLayout? = nil) throws -> Image<UInt8> {
        guard let handle = tjInitDecompress() else { throw ImageError(file: file, problem: "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        let head = try header(handle, data, file)
        let out = layout ?? head.layout
        guard out == .gray || out == .rgb else {
            throw ImageError(file: file, problem: "JPEG decodes to gray or RGB, not \(out)")
        }
        let format = out == .gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        var pixels = [UInt8](repeating: 0, count: head.width * head.height * out.channels)
        let status = data.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress,
                              Int32(head.width), 0, Int32(head.height), format,
                              TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
            }
        }
        guard status == 0 else { throw ImageError(file: file, problem: "corrupt or truncated JPEG (\(message(handle)))") }
        return Image(width: head.width, height: head.height, layout: out, pixels: pixels)
    }

    /// Encodes 8-bit gray or RGB (alpha is dropped) with no metadata at all (no EXIF, no
    /// comments): nothing identifying leaves with the pixels.
    /// - Parameters:
    ///   - quality: 1…100 (libjpeg's scale); 95 by default.
    ///   - chromaSubsampling: 4:2:0 when true (smaller), 4:4:4 by default (sharper colour).
    public static func encode(_ image: Image<UInt8>, quality: Int = 95, chromaSubsampling: Bool = false) throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality is 1…100")
        guard image.width > 0, image.height > 0 else { throw ImageError(file: "<memory>", problem: "cannot encode an empty image") }
        let source: Image<UInt8>
        switch image.layout {
        case .gray, .rgb: source = image
        case .grayAlpha: source = image.grayscale()
        case .rgba: source = image.rgb()
        }
        guard let handle = tjInitCompress() else { throw ImageError(file: "<memory>", problem: "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        let gray = source.layout == .gray
        let format = gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        let sampling = gray ? Int32(TJSAMP_GRAY.rawValue) : Int32((chromaSubsampling ? TJSAMP_420 : TJSAMP_444).rawValue)
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = source.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(source.width), 0, Int32(source.height), format,
                        &buffer, &size, sampling, Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard status == 0, let buffer else { throw ImageError(file: "<memory>", problem: "JPEG encoding failed (\(message(handle)))") }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let s = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: s)
    }
}
