import Foundation
import Geometry
import Imaging
import Interchange
import Pipeline
import Rendering
import Standards
import Surface

/// One case as a single HTML file a clinician can open, print on A4 and keep: the
/// standard-view renders, the reconstruction's figures, the measurements with their
/// uncertainties, the pre/post comparison with its heat maps, and the provenance — and, in
/// an appendix, every number of the JSON reports it was made from. Images are embedded
/// (data: URIs); the page loads nothing and runs no script. No folder or file name of the
/// capture appears in it: the subject is named by its pseudonym only.
public struct ClinicalReport {
    /// A JSON report as read (for the appendix) and as a value (for the sections).
    public struct Source<Report: Sendable>: Sendable {
        public var report: Report
        public var json: JSONValue
        public init(report: Report, json: JSONValue) { self.report = report; self.json = json }
    }

    public var reconstruction: Source<ReconstructionReport>
    /// The reconstruction's mesh (mm), drawn in the standard views.
    public var mesh: TriangleMesh
    /// The capture rig: the views are placed from it (front = cam0's side); its calibration
    /// figures go to the provenance.
    public var rig: Rig?
    public var rigCalibration: JSONValue?
    public var measurement: Source<MeasurementReport>?
    public var comparison: Source<ComparisonReport>?
    /// The capture's checks against its region's photography protocol (`check.json`).
    public var check: Source<CheckReport>?
    /// The comparison's heat maps (PNG bytes), by view name.
    public var heatMaps: [(view: String, png: [UInt8])] = []
    /// The subject's pseudonym as it may be shown (nil: not shown).
    public var subject: String?
    /// The size of each render (px, square).
    public var renderSize = 420

    public init(reconstruction: Source<ReconstructionReport>, mesh: TriangleMesh) {
        self.reconstruction = reconstruction; self.mesh = mesh
    }

    public static let views: [StandardView] = [.front, .leftOblique, .rightOblique, .left, .right]

    /// The report's HTML. - Throws: `ImageError` when a render cannot be encoded.
    public func html() throws -> String {
        var page = HTMLPage(title: "Trinocular case report")
        page.heading(1, "Case report" + (subject.map { " — \($0)" } ?? ""))
        let r = reconstruction.report
        page.paragraph([r.capture.session.map { "Session \($0)" }, r.capture.region.map { "region: \($0)" }, "\(r.tool)"].compactMap { $0 }.joined(separator: " · "))
        try renders(&page)
        figures(&page)
        if let check { standards(check.report, &page) }
        if let measurement { measurements(measurement.report, &page) }
        if let comparison { compared(comparison.report, &page) }
        provenance(&page)
        appendix(&page)
        return page.finished()
    }

    func renders(_ page: inout HTMLPage) throws {
        page.heading(2, "Standard views")
        let colouring: SurfaceColouring = mesh.colors == nil ? .shading : .vertex
        var figures: [(String, [UInt8])] = []
        for view in Self.views {
            guard let camera = view.camera(for: mesh, rig: rig, width: renderSize, height: renderSize) else { continue }
            figures.append((view.description, try PNG.encode(Rasterizer.render(mesh, from: camera, colouring: colouring).image)))
        }
        page.figures(figures)
    }

    func figures(_ page: inout HTMLPage) {
        let r = reconstruction.report
        page.heading(2, "Reconstruction")
        var rows: [(String, String)] = [
            ("Points", "\(r.points) (\(r.threeViewPoints) seen by three cameras)"),
            ("Working range", "\(fmt(r.workingRangeMm[0], 0))–\(fmt(r.workingRangeMm[1], 0)) mm in front of the cameras"),
        ]
        for p in r.pairs {
            rows.append(("Pair \(p.cameras.joined(separator: "–"))", "\(fmt(100 * p.matchedFraction, 1)) % of pixels matched, \(p.points) points, three-view RMS \(p.threeViewRmsPx.map { fmt($0, 3) + " px" } ?? "—")"))
        }
        if let m = r.mesh {
            rows += [
                ("Mesh", "\(m.vertices) vertices, \(m.faces) faces at \(fmt(m.spacingMm, 2)) mm, \(m.closed ? "closed" : "open (\(m.boundaryEdges) boundary edges)")"),
                ("Area", "\(fmt(m.areaMm2 / 100, 1)) cm²"),
                ("Volume", m.volumeMm3.map { "\(fmt($0 / 1000, 1)) mL" } ?? "not given: \(m.volumeRefused ?? "the mesh is open")"),
                ("Unseen, filled", "\(m.holesFilled) patches, \(fmt(m.unseenAreaMm2 / 100, 2)) cm² (surface no camera saw)"),
                ("Holes left open", "\(m.holesLeft.count)"),
            ]
        }
        page.table(["", ""], rows.map { [$0.0, $0.1] })
        if !r.warnings.isEmpty { page.list(r.warnings.map { "Warning: \($0)" }) }
    }

    /// The capture against its protocol: the verdict, then every check, those that did not
    /// pass first.
    func standards(_ c: CheckReport, _ page: inout HTMLPage) {
        page.heading(2, "Capture standards")
        let flagged = c.checks.filter { $0.status != .pass }
        page.paragraph("\(c.verdict.rawValue.uppercased()) against the \(c.protocol) protocol: \(c.checks.count - flagged.count) of \(c.checks.count) checks pass"
                       + (flagged.isEmpty ? "." : "; \(flagged.count) to look at before trusting the numbers."))
        let ordered = flagged.sorted { $0.status > $1.status } + c.checks.filter { $0.status == .pass }
        page.table(["Check", "Camera", "Status", "Value", "Threshold", "Finding"], ordered.map {
            [$0.id, $0.camera ?? "—", $0.status.rawValue, $0.value.map { fmt($0, 3) } ?? "—", $0.threshold.map { fmt($0, 3) } ?? "—", $0.message]
        })
    }

    func measurements(_ m: MeasurementReport, _ page: inout HTMLPage) {
        page.heading(2, "Measurements")
        if let values = m.measurements, !values.isEmpty {
            page.table(["Measurement", "Value", "± standard error", "How"], values.map {
                [$0.name, "\(fmt($0.value, 1)) \($0.unit)", "\(fmt($0.uncertainty, 1)) \($0.unit)", $0.method]
            })
        }
        if let t = m.landmarkTransfer {
            page.paragraph("Landmarks carried from the subject's baseline capture: registration residual \(fmt(t.rmsMm, 3)) mm RMS, \(fmt(100 * t.inlierFraction, 1)) % inliers.")
        }
        if let l = m.landmarks, !l.isEmpty {
            page.table(["Landmark", "Position (mm)", "Placed by"], l.map { [$0.name, $0.pointMm.map { fmt($0, 1) }.joined(separator: ", "), $0.source] })
        }
        page.paragraph("Mesh measured: \(fmt(m.areaMm2 / 100, 1)) cm², " + (m.volumeMm3.map { "\(fmt($0 / 1000, 1)) mL enclosed" } ?? "no enclosed volume (\(m.volumeRefused ?? "open"))") + ".")
    }

    func compared(_ c: ComparisonReport, _ page: inout HTMLPage) {
        page.heading(2, c.kind == "mirror" ? "Symmetry" : "Pre/post comparison")
        if let g = c.registration, let d = c.distance {
            page.table(["", ""], [
                ["Registration", "turned \(fmt(g.rotationDeg, 2))°, moved \(fmt(g.translationMm, 1)) mm; residual \(fmt(g.rmsMm, 3)) mm RMS, \(fmt(100 * g.inlierFraction, 1)) % inliers"],
                ["Surface change", "RMS \(fmt(d.rmsMm, 2)) mm, from \(fmt(d.maxInMm, 2)) to +\(fmt(d.maxOutMm, 2)) mm (± \(fmt(d.uncertaintyMm, 2)) mm)"],
            ])
        }
        if let regions = c.regions, !regions.isEmpty {
            page.table(["Region", "Before", "After", "Change", "± standard error"], regions.map {
                [$0.name, "\(fmt($0.beforeMm3 / 1000, 1)) mL", "\(fmt($0.afterMm3 / 1000, 1)) mL",
                 "\(fmt($0.changeMm3 / 1000, 1)) mL (\(fmt($0.changePercent, 1)) %)", "\(fmt($0.uncertaintyMm3 / 1000, 1)) mL"]
            })
        }
        if let s = c.symmetry {
            page.paragraph("RMS asymmetry \(fmt(s.rmsAsymmetryMm, 2)) mm (± \(fmt(s.uncertaintyMm, 2)) mm) over \(fmt(100 * s.overlap, 1)) % of the surface; one side stands out by up to \(fmt(s.peakOut.mm, 1)) mm.")
        }
        if !heatMaps.isEmpty {
            page.figures(heatMaps.map { ($0.view, $0.png) })
            page.paragraph("Blue: the surface moved in; red: out; colours saturate at ± \(fmt(c.colourRangeMm ?? 3, 1)) mm.")
        }
    }

    func provenance(_ page: inout HTMLPage) {
        let r = reconstruction.report
        page.heading(2, "Provenance")
        var rows: [[String]] = [["Tool", r.tool], ["Cameras", r.capture.cameras.joined(separator: ", ")]]
        if let c = rigCalibration {
            let figures = ["rmsPx", "reprojectionRmsPx", "distanceErrorMm", "distanceErrorSpanMm", "views"].compactMap { k in
                c[k].map { "\(k) \($0.text(pretty: false))" }
            }
            rows.append(["Calibration", figures.isEmpty ? "given in the rig file" : figures.joined(separator: ", ")])
        } else {
            rows.append(["Calibration", "the rig file was not given to the report"])
        }
        if let m = r.mesh {
            rows.append(["Meshing", "\(m.method); spacing \(fmt(m.spacingMm, 2)) mm" + (m.decimation.map { ", decimated to \($0.facesAfter) faces (≤ \(fmt($0.maximumErrorMm, 3)) mm)" } ?? "")])
        }
        let total = r.seconds.stages.first { $0.stage == "total" }.map { "\(fmt($0.seconds, 1)) s in all: " } ?? ""
        rows.append(["Time", total + r.seconds.stages.filter { $0.stage != "total" }.map { "\($0.stage) \(fmt($0.seconds, 1)) s" }.joined(separator: ", ")])
        page.table(["", ""], rows)
    }

    /// Every number of the reports, by its path in the JSON.
    func appendix(_ page: inout HTMLPage) {
        page.heading(2, "Appendix: every figure of the reports")
        var sources: [(String, JSONValue)] = [("reconstruction.json", reconstruction.json)]
        if let measurement { sources.append(("measurement", measurement.json)) }
        if let comparison { sources.append(("comparison.json", comparison.json)) }
        if let check { sources.append(("check.json", check.json)) }
        for (name, json) in sources {
            page.heading(3, name)
            page.table(["Field", "Value"], Self.leaves(json).map { [$0.path, $0.value] }, small: true)
        }
    }

    /// The scalar leaves of a JSON value: dotted paths and their values as JSON text.
    static func leaves(_ value: JSONValue, path: String = "") -> [(path: String, value: String)] {
        switch value {
        case let .object(members): return members.flatMap { leaves($0.1, path: path.isEmpty ? $0.0 : "\(path).\($0.0)") }
        case let .array(items):
            if items.allSatisfy({ if case .array = $0 { return false }; if case .object = $0 { return false }; return true }) {
                return [(path, items.map { $0.text(pretty: false) }.joined(separator: ", "))]
            }
            return items.enumerated().flatMap { leaves($0.element, path: "\(path)[\($0.offset)]") }
        case let .string(s): return [(path, s)]
        default: return [(path, value.text(pretty: false))]
        }
    }
}

/// A number with `digits` decimals.
func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
