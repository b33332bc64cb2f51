import Foundation
import Interchange
import Pipeline
import Reporting
import Surface
import Synthesis

/// A 3 × 5 MP reconstruction's outputs for `report` (issue 20 asks ≤ 3 s): the mounds
/// scene through the default arc, reconstructed end to end with its mesh (~25 s, on first
/// use); mesh.ply and reconstruction.json written to a temporary folder as `reconstruct`
/// writes them.
enum ReportInputs {
    static let folder: URL = {
        let spec = CaptureSpec(scene: .mounds)
        let capture = try! SyntheticCapture(spec)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-benchmark-report-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        let images = root.appendingPathComponent("capture"), out = root.appendingPathComponent("out")
        try! capture.write(to: images)
        let loaded = try! Capture(folder: images)
        var options = ReconstructionOptions()
        options.texture = false
        let result = try! Reconstructor.run(loaded, options: options)
        try! FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try! Data(PLYMesh.encode(result.mesh!)).write(to: out.appendingPathComponent("mesh.ply"))
        try! ReportCoding.data(ReconstructionReport(result, capture: loaded, seconds: 0, voxel: nil)).write(to: out.appendingPathComponent("reconstruction.json"))
        return out
    }()

    /// What `report OUT` does but write: read both files, draw the five views, build the page.
    static func html() throws -> String {
        let data = try Data(contentsOf: folder.appendingPathComponent("reconstruction.json"))
        let source = ClinicalReport.Source(report: try JSONDecoder().decode(ReconstructionReport.self, from: data), json: try JSONValue.parse(data))
        return try ClinicalReport(reconstruction: source, mesh: try PLYMesh.read(folder.appendingPathComponent("mesh.ply"))).html()
    }
}
