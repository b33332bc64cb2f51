import Foundation
import FuzzSupport
import Metrology

/// A measurement plan, as `measure --plan` and `batch --plan` read one, measured on a dome
/// with landmarks round it: distances, geodesics, contours, region areas and volumes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ input: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let input else { return 0 }
    let start = UnsafeRawPointer(input)
    let data = Data(bytes: start, count: count)
    guard let plan = try? MeasurementPlan(json: data, file: "plan.json") else { return 0 }
    _ = try? plan.measure(FuzzFixtures.mesh, landmarks: landmarks, file: "plan.json")
    return 0
}

/// Four landmarks round the dome and one on top.
let landmarks: Landmarks = {
    let json = """
        {"format": "trinocular.landmarks/1", "landmarks": [
          {"name": "a", "point": [-20, -20, 500]}, {"name": "b", "point": [20, -20, 500]},
          {"name": "c", "point": [20, 20, 500]}, {"name": "d", "point": [-20, 20, 500]},
          {"name": "top", "point": [0, 0, 485]}]}
        """
    return try! Landmarks(json: Data(json.utf8), file: "landmarks.json", mesh: FuzzFixtures.mesh, rig: nil)
}()

@_cdecl("FuzzPlan_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
