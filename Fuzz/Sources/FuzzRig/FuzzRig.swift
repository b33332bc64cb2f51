import Foundation
import FuzzSupport
import Geometry
import Stereo

/// A rig.json, as every command that reads a capture does — and, for a rig that parses,
/// the rectification of its first camera pairs, as `reconstruct` computes them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let data = Data(bytes: start, count: count)
    guard let rig = try? Rig(json: data, file: "rig.json") else { return 0 }
    let cameras = rig.cameras.prefix(3)
    for (i, a) in cameras.enumerated() {
        for b in cameras.dropFirst(i + 1) {
            _ = StereoRectification(camera1: a.camera, camera2: b.camera,
                                    cam2FromCam1: b.camFromWorld * a.camFromWorld.inverse, zeroDisparity: false)
        }
    }
    return 0
}

@_cdecl("FuzzRig_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
