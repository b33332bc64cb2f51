import Foundation
import Pipeline

/// The bundled sample capture (`samples/mounds`: three 5 MP JPEGs and their rig), read
/// from the package's folder on first use.
enum SampleInputs {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mounds")
    static let capture: Capture = try! Capture(folder: folder)
}
