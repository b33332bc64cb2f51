import Foundation
import Interchange

/// The file formats Trinocular reads and writes, recognised by their first bytes (not by
/// the file name's extension).
public enum ImageFormat: String, Sendable, Equatable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// The format of encoded data, or nil when it is neither JPEG nor PNG.
    public static func sniff(_ data: [UInt8]) -> ImageFormat? {
        if data.count >= 3, data[0] == 0xFF, data[1] == 0xD8, data[2] == 0xFF { return .jpeg }
        if data.count >= 8, Array(data[0..<8]) == PNG.pngSignature { return .png }
        return nil
    }
}

/// What a file's header says, without decoding its pixels.
public struct ImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    public var layout: ChannelLayout
    /// Bits per channel of the decoded image: 8 or 16.
    public var bitDepth: Int
    /// The EXIF orientation tag, if the file has one (JPEG only).
    public var orientation: ExifOrientation?
    /// Size of the file in bytes.
    public var fileBytes: Int
}

/// A decoded image file: 8-bit or 16-bit channels, with what its header said.
public struct DecodedImage: Sendable {
    public var info: ImageInfo
    public var pixels: PNG.Decoded

    /// The image as 8-bit channels (16-bit data is rounded to 8 bits).
    public var eightBit: Image<UInt8> {
        switch pixels {
        case let .eight(i): return i
        case let .sixteen(i): return i.converted(to: UInt8.self)
        }
    }

    /// The image as Float channels, 0…1 of full scale.
    public var float: Image<Float> {
        switch pixels {
        case let .eight(i): return i.converted(to: Float.self)
        case let .sixteen(i): return i.converted(to: Float.self)
        }
    }
}

/// Reading and writing image files. Every failure is an `ImageError` naming the file.
public enum ImageFile {
    /// The largest file read: 1 GiB.
    public static let maximumFileBytes = 1 << 30

    /// A file's bytes, refusing folders and files over `maximumFileBytes`.
    public static func bytes(of url: URL) throws -> [UInt8] {
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ImageError(file: path, problem: "cannot read the file (it does not exist or is not readable)")
        }
        if let type = attributes[.type] as? FileAttributeType, type == .typeDirectory {
            throw ImageError(file: path, problem: "is a folder, not an image file")
        }
        if let size = attributes[.size] as? NSNumber, size.intValue > maximumFileBytes {
            throw ImageError(file: path, problem: "is \(size.intValue) bytes, over the \(maximumFileBytes >> 30) GiB limit for an image")
        }
        do { return [UInt8](try Data(contentsOf: url)) } catch {
            throw ImageError(file: path, problem: "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Reads the header of a JPEG or PNG file. - Throws: `ImageError`.
    public static func info(of url: URL) throws -> ImageInfo {
        try info(of: bytes(of: url), file: url.path)
    }

    /// Reads the header of encoded data; `file` names it in errors.
    public static func info(of data: [UInt8], file: String) throws -> ImageInfo {
        switch ImageFormat.sniff(data) {
        case .jpeg:
            let h = try JPEG.header(of: data, file: file)
            return ImageInfo(format: .jpeg, width: h.width, height: h.height, layout: h.layout, bitDepth: 8,
                             orientation: ExifOrientation.read(jpeg: data), fileBytes: data.count)
        case .png:
            let h = try PNG.header(of: data, file: file)
            return ImageInfo(format: .png, width: h.width, height: h.height, layout: h.layout, bitDepth: h.bitDepth,
                             orientation: nil, fileBytes: data.count)
        case nil:
            throw ImageError(file: file, problem: data.isEmpty ? "is empty" : "is not a JPEG or PNG image")
        }
    }

    /// Decodes a JPEG or PNG file. - Throws: `ImageError` for a missing, truncated,
    /// corrupt or absurdly large file.
    public static func read(_ url: URL) throws -> DecodedImage {
        try decode(bytes(of: url), file: url.path)
    }

    /// Decodes encoded data; `file` names it in errors.
    public static func decode(_ data: [UInt8], file: String) throws -> DecodedImage {
        let info = try info(of: data, file: file)
        switch info.format {
        case .jpeg: return DecodedImage(info: info, pixels: .eight(try JPEG.decode(data, file: file)))
        case .png: return DecodedImage(info: info, pixels: try PNG.decode(data, file: file))
        }
    }

    /// Writes encoded bytes atomically and privately (0600): a temporary name in the
    /// destination folder, fsync, then a rename, so a failure never leaves a half-written file.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        do { try PrivateFile.write(bytes, to: url) } catch {
            throw ImageError(file: url.path, problem: "cannot write the file (\(error))")
        }
    }

    /// Writes an 8-bit image as PNG or JPEG, chosen by the extension (.png, .jpg, .jpeg).
    public static func write(_ image: Image<UInt8>, to url: URL, jpegQuality: Int = 95) throws {
        switch url.pathExtension.lowercased() {
        case "png": try writeAtomically(PNG.encode(image), to: url)
        case "jpg", "jpeg": try writeAtomically(JPEG.encode(image, quality: jpegQuality), to: url)
        default: throw ImageError(file: url.path, problem: "unknown image extension; use .png, .jpg or .jpeg")
        }
    }

    /// Writes a 16-bit image as PNG (JPEG has no 16-bit form).
    public static func write(_ image: Image<UInt16>, to url: URL) throws {
        guard url.pathExtension.lowercased() == "png" else {
            throw ImageError(file: url.path, problem: "16-bit images are written as .png only")
        }
        try writeAtomically(PNG.encode(image), to: url)
    }
}
