import FuzzSupport
import Surface

/// An OBJ file, as `measure`, `compare` and `deidentify` read one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    if let mesh = try? OBJMesh.decode(bytes, file: "fuzz.obj") {
        _ = mesh.area
        _ = mesh.topology
    }
    return 0
}

@_cdecl("FuzzOBJ_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
