import CLibFuzzer

/// Runs libFuzzer on `harness` with the program's arguments (corpus folders, -flags): each
/// harness's `<Module>_main` calls it.
public func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ harness: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, harness)
}
