import Foundation
import FuzzSupport
import Metrology

/// A landmarks file, as `measure`, `compare` and `deidentify --cut-through` read one:
/// points snapped to a mesh and pixel picks cast through a rig camera onto it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let data = Data(bytes: start, count: count)
    _ = try? Landmarks(json: data, file: "landmarks.json", mesh: FuzzFixtures.mesh, rig: FuzzFixtures.rig)
    return 0
}

@_cdecl("FuzzLandmarks_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
