import ArgumentParser
import Foundation
import Geometry
import Interchange
import Pipeline
import Reporting
import Safekeeping
import Standards
import Surface

/// `trinocular report OUT --out report.html`: one case as one HTML file.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a case report: one self-contained HTML file to open, print on A4 and keep.",
        discussion: """
            From a reconstruct output folder (OUT/reconstruction.json and OUT/mesh.ply) the \
            report shows the mesh in the standard views (front, 45° obliques, laterals; \
            placed from the rig with --rig, front = cam0's side), the reconstruction's \
            figures (points, how much of each pair matched, mesh size, area, volume when \
            closed, surface no camera saw, holes left), the capture's checks against its \
            region's photography protocol (OUT/check.json, which reconstruct writes, or \
            --check FILE from `check --json`), the measurements of a `measure --json` \
            output (--measure) with their ± standard errors, a `compare` output (--compare) \
            with its motion, surface change, region volume changes and heat maps, the \
            provenance (tool version, cameras, calibration figures from --rig, meshing, \
            times) and, in an appendix, every figure of the JSON reports it was given.

            The file needs nothing else: images are embedded, it runs no script and \
            references nothing outside itself. It names the subject by the pseudonym in \
            capture.json only (withheld when it looks like a name, a date or a record number) \
            and no folder or file of the capture. Written 0600, all at once; audited.

            Example: trinocular measure out/mesh.ply --landmarks l.json --plan plan.json --json > m.json
                     trinocular report out --measure m.json --compare change --rig capture/rig.json --out case.html
            """)

    @Argument(help: ArgumentHelp("A reconstruct output folder.", valueName: "OUT"))
    var folder: String
    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "FILE.html"))
    var out: String
    @Option(help: ArgumentHelp("A compare output folder (comparison.json and its heat maps).", valueName: "DIR"))
    var compare: String?
    @Option(help: ArgumentHelp("The JSON that `measure --json` printed for this mesh.", valueName: "FILE"))
    var measure: String?
    @Option(help: ArgumentHelp("The capture's checks (`trinocular check --json`); default: OUT/check.json when present.", valueName: "FILE"))
    var check: String?
    @Option(help: ArgumentHelp("The capture's rig file: places the views and gives the calibration's figures.", valueName: "PATH"))
    var rig: String?
    @Flag(help: "Replace an existing report.")
    var force = false

    func validate() throws {
        guard out.lowercased().hasSuffix(".html") else { throw ValidationError("--out must name an .html file") }
    }

    func run() throws {
        let started = Date()
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        if FileManager.default.fileExists(atPath: outURL.path) && !force {
            throw OutputError(file: outURL.path, problem: "already exists; choose another --out or add --force", fault: .badInput)
        }
        let base = URL(fileURLWithPath: folder)
        let reconstructionURL = base.appendingPathComponent("reconstruction.json"), meshURL = base.appendingPathComponent("mesh.ply")
        var inputs = [reconstructionURL, meshURL]
        var report = ClinicalReport(reconstruction: try Self.source(ReconstructionReport.self, reconstructionURL, what: "a reconstruction report (trinocular.reconstruction/1)"),
                                mesh: try PLYMesh.read(meshURL))
        report.subject = report.reconstruction.report.capture.subject.flatMap { IdentifierScreen().suspicion($0) == nil ? $0 : nil }
        if let rig {
            let url = URL(fileURLWithPath: rig)
            report.rig = try Rig(contentsOf: url)
            report.rigCalibration = try JSONValue.parse(try InputLimits.read(url, what: "a rig file"))["calibration"]
            inputs.append(url)
        }
        let checkURL = check.map { URL(fileURLWithPath: $0) } ?? base.appendingPathComponent("check.json")
        if check != nil || FileManager.default.fileExists(atPath: checkURL.path) {
            report.check = try Self.source(CheckReport.self, checkURL, what: "capture checks (trinocular.check/1)")
            guard report.check?.report.format == "trinocular.check/1" else {
                throw FileProblem(file: checkURL.path, problem: "\"format\" must be \"trinocular.check/1\" (the output of trinocular check --json)")
            }
            inputs.append(checkURL)
        }
        if let measure {
            let url = URL(fileURLWithPath: measure)
            report.measurement = try Self.source(MeasurementReport.self, url, what: "the output of measure --json (trinocular.measure/1)")
            inputs.append(url)
        }
        if let compare {
            let dir = URL(fileURLWithPath: compare), url = dir.appendingPathComponent("comparison.json")
            let comparison = try Self.source(ComparisonReport.self, url, what: "a comparison (trinocular.comparison/1)")
            let kind = comparison.report.kind == "mirror" ? "asymmetry" : "distance"
            for view in Compare.heatMapViews {
                let picture = dir.appendingPathComponent("\(kind)-\(view).png")
                guard FileManager.default.fileExists(atPath: picture.path) else { continue }
                report.heatMaps.append((view.description, Array(try InputLimits.read(picture, limit: 64 << 20, what: "a heat map"))))
                inputs.append(picture)
            }
            report.comparison = comparison
            inputs.append(url)
        }
        let html = try report.html()
        try PrivateFile.write(Array(html.utf8), to: outURL)
        try AuditTrail.record("report", subject: report.subject, inputs: inputs, outputs: [outURL])
        print(String(format: "wrote %@ (%.0f kB) in %.2f s", outURL.lastPathComponent, Double(html.utf8.count) / 1000, Date().timeIntervalSince(started)))
    }

    /// A JSON report, as a value and as read. - Throws: `FileProblem` naming the file.
    static func source<T: Decodable & Sendable>(_ type: T.Type, _ url: URL, what: String) throws -> ClinicalReport.Source<T> {
        let data = try InputLimits.read(url, limit: 64 << 20, what: what)
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw FileProblem(file: url.path, problem: "is not JSON: \(what) was expected") }
        return ClinicalReport.Source(report: try ReportCoding.decode(type, from: data, file: url.path, what: what), json: json)
    }
}
