import ArgumentParser
import Foundation
import Imaging
import Interchange
import Pipeline
import Standards

/// `trinocular check CAPTURE`: the capture against its region's photography protocol.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a capture against the clinical photography standard of its region, before the patient leaves.",
        discussion: """
            Each camera's photograph is measured against the protocol (protocols/: breast, \
            face, abdomen — chosen by capture.json's "region", or --protocol NAME|FILE) and \
            against the capture's other cameras, so that the camera at fault is named:

              resolution  pixels per image against the protocol's minimum (5 MP)
              focus       sharpness of the subject (pixel-scale contrast over all contrast) \
            against the other cameras': a defocused camera falls far below them
              exposure    subject blown white or crushed black, and its brightness against \
            the other cameras'
              colour      white balance: the skin's grey-world colour against the other cameras'
              backdrop    the backdrop's colour against the protocol's (light blue), and how \
            evenly it is lit

            Every check gives pass, warn or fail, the value measured, the threshold and what \
            to do. --json prints trinocular.check/1 (docs/formats.md). The exit status is 0 \
            whatever the verdict; 2 when an image cannot be read (the file is named).
            Subject distance and framing (from the reconstruction), comparing two visits and \
            2D photograph series come next (issue 21).
            """)

    @Argument(help: ArgumentHelp("The capture folder.", valueName: "CAPTURE-FOLDER"))
    var capture: String
    @Option(help: ArgumentHelp("Rig file to use instead of the folder's rig.json.", valueName: "PATH"))
    var rig: String?
    @Option(name: .customLong("protocol"), help: ArgumentHelp("A built-in protocol (breast, face, abdomen) or a trinocular.protocol/1 file; default: capture.json's region.", valueName: "NAME|FILE"))
    var protocolName: String?
    @Flag(help: "Print one JSON document (trinocular.check/1) on stdout.")
    var json = false

    func run() throws {
        let loaded = try Capture(folder: URL(fileURLWithPath: capture), rigURL: rig.map { URL(fileURLWithPath: $0) })
        let standard: CaptureProtocol
        if let protocolName {
            standard = try CaptureProtocol.named(protocolName)
        } else if let region = loaded.manifest?.region {
            guard let p = CaptureProtocol.forRegion(region) else {
                throw CaptureError(file: loaded.folder.appendingPathComponent("capture.json").path,
                                   problem: "region '\(region.excerpt())' has no built-in protocol (\(CaptureProtocol.builtIn.map(\.name).joined(separator: ", "))): give --protocol")
            }
            standard = p
        } else {
            throw CaptureError(file: loaded.folder.path, problem: "no capture.json region to choose a protocol by: give --protocol breast|face|abdomen|FILE")
        }
        let views = loaded.views
        let measured = try views.map { ImageMeasures(try ImageFile.read($0.file).eightBit, camera: $0.cameraID) }
        let report = CaptureStandards.check(measured, against: standard)
        try AuditTrail.record("check", subject: loaded.manifest?.subject, inputs: views.map(\.file), outputs: [])
        if json {
            FileHandle.standardOutput.write(try ReportCoding.data(report))
            return
        }
        print("\(report.verdict.rawValue.uppercased()): \(loaded.views.count) cameras against the \(standard.name) protocol")
        for item in report.checks where item.status != .pass {
            print("  \(item.status.rawValue)  \(item.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(item.message)")
        }
        let passed = report.checks.filter { $0.status == .pass }.count
        print("  \(passed) of \(report.checks.count) checks pass")
    }
}
