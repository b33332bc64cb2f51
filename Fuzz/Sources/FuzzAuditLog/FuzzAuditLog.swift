import Foundation
import FuzzSupport
import Safekeeping

/// An audit log, as `audit verify`, `audit head` and every audited verb (which appends)
/// read one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let url = Scratch.file("audit.log", start, count)
    let log = AuditLog(url: url)
    let before = try? log.verify()
    _ = try? log.head()
    if (try? log.append(AuditRecord(action: "fuzz", subject: nil, inputs: [], outputs: [], tool: "fuzz"))) != nil,
       let before, before.problem == nil, before.entries > 0 {
        // An intact log stays intact after an append.
        if let problem = (try? log.verify())?.problem {
            fatalError("an intact log of \(before.entries) entries broke on append: \(problem)")
        }
    }
    Scratch.remove("audit.log")
    return 0
}

@_cdecl("FuzzAuditLog_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
