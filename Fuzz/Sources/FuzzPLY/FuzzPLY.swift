import FuzzSupport
import Surface

/// A PLY file, as `measure`, `compare` and `deidentify` read one: any bytes must give a
/// mesh or a `MeshFileError`, never a trap, a hang or a huge allocation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    if let mesh = try? PLYMesh.decode(bytes, file: "fuzz.ply") {
        _ = mesh.area
        _ = mesh.topology
    }
    return 0
}

@_cdecl("FuzzPLY_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
