import Foundation
import FuzzSupport
import Safekeeping

/// A sealed archive, as `unseal` opens one, with the corpus's key file (32 bytes of 0x42):
/// any bytes must be refused with a `SealError` or unseal, never trap, and leave nothing
/// behind when refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let archive = Scratch.file("case.tseal", start, count)
    let out = Scratch.folder.appendingPathComponent("out")
    let opened = (try? SealedArchive.unseal(archive, to: out, key: .keyFile([UInt8](repeating: 0x42, count: 32)))) != nil
    if !opened && FileManager.default.fileExists(atPath: out.path) {
        fatalError("a refused archive left \(out.path) behind")
    }
    Scratch.remove("out")
    Scratch.remove("case.tseal")
    return 0
}

@_cdecl("FuzzSealedArchive_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
