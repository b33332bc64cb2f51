import Foundation
import Imaging
import Interchange
import TestSupport
import Testing

/// `trinocular report` (issue 20): one HTML file that references nothing outside itself,
/// whose images all decode, that holds every number of the reports it was given and no
/// folder name of the capture; bad input exits 2 naming the file, writing nothing.
struct ReportCLITests {
    @Test func oneFileWithEveryFigureAndNoFolderName() throws {
        let dir = try TestPaths.temporaryFolder("report")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Distinctive folder names, to look for in the report.
        let capture = dir.appendingPathComponent("capture-Qx7v"), out = dir.appendingPathComponent("recon-Kw2z")
        let change = dir.appendingPathComponent("change-Pj4m")
        try SyntheticFixtures.capture(.mounds, scale: 0.25).write(to: capture)
        let rig = capture.appendingPathComponent("rig.json").path
        try #require(try Run(["reconstruct", capture.path, "--out", out.path]).status == 0)
        let landmarks = dir.appendingPathComponent("landmarks.json"), plan = dir.appendingPathComponent("plan.json")
        try Data("""
            {"format": "trinocular.landmarks/1", "landmarks": [{"name": "a", "camera": "cam0", "pixel": [280, 250]},
              {"name": "b", "camera": "cam0", "pixel": [380, 250]}, {"name": "c", "camera": "cam0", "pixel": [330, 340]}]}
            """.utf8).write(to: landmarks)
        try Data(#"{"format": "trinocular.plan/1", "measurements": [{"name": "ab", "type": "distance", "from": "a", "to": "b"}, {"name": "over", "type": "geodesic", "from": "a", "to": "c"}]}"#.utf8).write(to: plan)
        let mesh = out.appendingPathComponent("mesh.ply").path
        let measured = try Run(["measure", mesh, "--landmarks", landmarks.path, "--plan", plan.path, "--rig", rig, "--json"])
        try #require(measured.status == 0, "\(measured.stderr)")
        let measurement = dir.appendingPathComponent("measurement.json")
        try Data(measured.stdout.utf8).write(to: measurement)
        try #require(try Run(["compare", mesh, mesh, "--out", change.path]).status == 0)

        let html = dir.appendingPathComponent("case.html")
        let run = try Run(["report", out.path, "--out", html.path, "--measure", measurement.path, "--compare", change.path, "--rig", rig])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        let mode = try FileManager.default.attributesOfItem(atPath: html.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // One file: nothing fetched, no script; every image a data: URI that decodes.
        for scheme in ["http:", "https:", "<script", "url("] { #expect(!text.lowercased().contains(scheme), "\(scheme) in the report") }
        let references = Self.attributes(["src", "href"], in: text)
        #expect(references.allSatisfy { $0.hasPrefix("data:") || $0.hasPrefix("#") }, "\(references.filter { !$0.hasPrefix("data:") }.prefix(3))")
        let images = references.filter { $0.hasPrefix("data:image/png;base64,") }
        #expect(images.count == 5 + 3, "\(images.count) images: five views and three heat maps")
        for uri in images {
            let bytes = try #require(Data(base64Encoded: String(uri.dropFirst("data:image/png;base64,".count))))
            guard case let .eight(image) = try PNG.decode(Array(bytes)) else { Issue.record("a 16-bit image in the report"); continue }
            #expect(image.width > 100 && image.height > 100)
        }
        // The capture's checks (reconstruct wrote check.json: the grey backdrop fails the
        // breast protocol's light blue), and every number of the four reports as they write it.
        #expect(text.contains("Capture standards") && text.contains("FAIL against the breast protocol"), "the checks are shown")
        for file in [out.appendingPathComponent("reconstruction.json"), measurement, change.appendingPathComponent("comparison.json"), out.appendingPathComponent("check.json")] {
            let numbers = Self.numbers(try JSONValue.parse(Data(contentsOf: file)))
            #expect(numbers.count > 20)
            let missing = numbers.filter { !text.contains($0) }
            #expect(missing.isEmpty, "\(file.lastPathComponent): \(missing.count) of \(numbers.count) numbers missing, e.g. \(missing.prefix(5))")
        }
        for name in ["capture-Qx7v", "recon-Kw2z", "change-Pj4m", dir.lastPathComponent] { #expect(!text.contains(name), "\(name) in the report") }
        #expect(text.contains("@page") && text.contains("A4"), "a print layout for A4")

        // Bad input: exit 2 naming the file, nothing written.
        let noReport = try Run(["report", capture.path, "--out", dir.appendingPathComponent("x.html").path])
        #expect(noReport.status == 2 && noReport.stderr.contains("reconstruction.json"), "\(noReport.stderr)")
        let wrong = try Run(["report", out.path, "--out", dir.appendingPathComponent("y.html").path, "--measure", plan.path])
        #expect(wrong.status == 2 && wrong.stderr.contains("plan.json") && wrong.stderr.contains("measure --json"), "\(wrong.stderr)")
        let again = try Run(["report", out.path, "--out", html.path])
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")
        for n in ["x.html", "y.html"] { #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(n).path)) }
    }

    /// The values of the named attributes (double-quoted).
    static func attributes(_ names: [String], in html: String) -> [String] {
        names.flatMap { name -> [String] in
            html.components(separatedBy: " \(name)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        }
    }

    /// Every number in a JSON value, as compact JSON text.
    static func numbers(_ value: JSONValue) -> [String] {
        switch value {
        case let .object(members): return members.flatMap { numbers($0.1) }
        case let .array(items): return items.flatMap(numbers)
        case .int, .number: return [value.text(pretty: false)]
        default: return []
        }
    }
}
