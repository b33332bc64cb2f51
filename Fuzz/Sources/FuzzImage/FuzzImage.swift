import FuzzSupport
import Imaging

/// An image, as `deidentify` strips it and every command decodes it: stripping must give
/// an image that decodes as the original did, or an `ImageError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    let original = try? ImageFile.decode(bytes, file: "fuzz")
    if let (clean, _) = try? MetadataStripping.strip(bytes, file: "fuzz") {
        _ = try? ImageFile.info(of: clean, file: "fuzz")
        if original != nil { _ = try? ImageFile.decode(clean, file: "fuzz") }
    }
    _ = ExifOrientation.read(jpeg: bytes)
    _ = ExifCamera.read(jpeg: bytes)
    comparePNGPaths(repairingCRCs(bytes))
    return 0
}

/// The PNG fast path against libpng on the same file, its CRCs made right first so that
/// mutations reach the image data (otherwise nearly every input stops at a CRC): where both
/// decode, the pixels must be equal.
func comparePNGPaths(_ bytes: [UInt8]) {
    guard let fast = PNGFastPath.decode(bytes) else { return }
    guard case let .eight(libpng)? = try? PNG.decode(bytes, fastPath: false) else { return }
    if libpng != fast { fatalError("the PNG fast path and libpng disagree on a file both read") }
}

/// The bytes with every chunk's CRC-32 recomputed (a PNG only; anything else unchanged).
func repairingCRCs(_ input: [UInt8]) -> [UInt8] {
    guard input.count >= 8, Array(input[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return input }
    var bytes = input, offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        guard length <= bytes.count - offset - 12 else { break }
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes[(offset + 4)..<(offset + 8 + length)] { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        c ^= 0xFFFF_FFFF
        for k in 0..<4 { bytes[offset + 8 + length + k] = UInt8(truncatingIfNeeded: c >> (24 - 8 * k)) }
        offset += 12 + length
    }
    return bytes
}

@_cdecl("FuzzImage_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}

let crcTable: [UInt32] = (0..<256).map { n in
    (0..<8).reduce(UInt32(n)) { c, _ in (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
}
