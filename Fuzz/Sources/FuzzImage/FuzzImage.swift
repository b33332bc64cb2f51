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
    return 0
}

@_cdecl("FuzzImage_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
