import ArgumentParser
import Foundation
import Imaging
import Interchange
import Pipeline
import Standards

/// `trinocular check CAPTURE` and `trinocular check --compare PRE POST`: a capture (or a
/// folder of 2D photographs) against its region's photography protocol, and two visits
/// against each other.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a capture against the clinical photography standard of its region, before the patient leaves; or two visits against each other.",
        discussion: """
            Each camera's photograph is measured against the protocol (protocols/: breast, \
            face, abdomen — chosen by capture.json's "region", or --protocol NAME|FILE) and \
            against the capture's other cameras, so that the camera at fault is named:

              resolution  pixels per image against the protocol's minimum (5 MP)
              focus       sharpness of the subject against the other cameras'
              exposure    subject blown white or crushed black; its brightness against the \
            other cameras'
              colour      white balance: the skin's grey-world colour against the other cameras'
              backdrop    the backdrop's colour against the protocol's (light blue); evenness
              framing     backdrop between the subject and the borders the protocol keeps clear
              distance    the subject's depth from the rig (a quick quarter-megapixel \
            reconstruction, ~1 s) against the capture's working range

            A folder without rig.json is a 2D series — one photograph per view (JPEG or PNG): \
            the same checks on each, plus aspect (every view in the series' format) and lens \
            (EXIF focal length; EXIF is read for the camera model and focal length only).

            --compare PRE POST says whether two visits (captures or 2D series) can be compared, \
            and why not: rig (another rig or calibration), lens, resolution or aspect, exposure, \
            colour (white balance), backdrop (colour, or brightness against the subject's), and \
            for captures the subject's distance and pose (the two quick reconstructions \
            registered: a turn of 5° or more is not comparable).

            Every check gives pass, warn or fail, the value measured, the threshold and what \
            to do. --json prints trinocular.check/1 or trinocular.check-compare/1 \
            (docs/formats.md). The exit status is 0 whatever the verdict; 2 when a folder or \
            an image cannot be read (the file is named).
            """)

    @Argument(help: ArgumentHelp("The capture folder, or a folder of 2D photographs; with --compare, the earlier and the later visit.", valueName: "FOLDER"))
    var folders: [String]
    @Flag(help: "Compare two visits (FOLDER FOLDER): are they comparable, and if not, why.")
    var compare = false
    @Option(help: ArgumentHelp("Rig file to use instead of the folder's rig.json (one capture).", valueName: "PATH"))
    var rig: String?
    @Option(name: .customLong("protocol"), help: ArgumentHelp("A built-in protocol (breast, face, abdomen) or a trinocular.protocol/1 file; default: capture.json's region.", valueName: "NAME|FILE"))
    var protocolName: String?
    @Flag(help: "Print one JSON document (trinocular.check/1, or trinocular.check-compare/1) on stdout.")
    var json = false

    func validate() throws {
        if compare, folders.count != 2 { throw ValidationError("--compare takes two folders: the earlier visit, then the later") }
        if !compare, folders.count != 1 { throw ValidationError("give one folder (or --compare PRE POST)") }
        if compare, rig != nil { throw ValidationError("--rig is for one capture; with --compare each folder's rig.json is used") }
    }

    func run() throws {
        if compare {
            let pre = try InspectedVisit(folder: URL(fileURLWithPath: folders[0]), rig: nil, protocolName: protocolName)
            let post = try InspectedVisit(folder: URL(fileURLWithPath: folders[1]), rig: nil, protocolName: protocolName)
            let report = InspectedVisit.compare(pre, post)
            try AuditTrail.record("check --compare", subject: pre.subject, inputs: pre.files + post.files, outputs: [])
            if json { FileHandle.standardOutput.write(try ReportCoding.data(report)); return }
            print(report.verdict == .comparable ? "COMPARABLE" : "NOT COMPARABLE")
            for item in report.reasons + report.notes {
                print("  \(item.status.rawValue)  \(item.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(item.message)")
            }
            print("  \(report.checks.filter { $0.status == .pass }.count) of \(report.checks.count) checks pass")
            return
        }
        let visit = try InspectedVisit(folder: URL(fileURLWithPath: folders[0]), rig: rig.map { URL(fileURLWithPath: $0) }, protocolName: protocolName)
        try AuditTrail.record("check", subject: visit.subject, inputs: visit.files, outputs: [])
        let report = visit.report
        if json { FileHandle.standardOutput.write(try ReportCoding.data(report)); return }
        print("\(report.verdict.rawValue.uppercased()): \(visit.visit.images.count) \(visit.preview == nil ? "photographs" : "cameras") against the \(report.protocol) protocol")
        for item in report.checks where item.status != .pass {
            print("  \(item.status.rawValue)  \(item.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(item.message)")
        }
        print("  \(report.checks.filter { $0.status == .pass }.count) of \(report.checks.count) checks pass")
    }
}
