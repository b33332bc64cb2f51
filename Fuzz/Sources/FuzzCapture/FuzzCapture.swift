import Foundation
import FuzzSupport
import Pipeline

/// A capture.json, as `info`, `reconstruct`, `batch` and `deidentify` read one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let data = Data(bytes: start, count: count)
    if let manifest = try? CaptureManifest(json: data, file: "capture.json") {
        _ = manifest.json.data()
    }
    return 0
}

@_cdecl("FuzzCapture_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
