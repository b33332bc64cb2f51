import ArgumentParser
import Foundation
import Geometry
import Imaging
import Interchange
import Pipeline

/// `trinocular info CAPTURE`: what a capture folder holds and whether it fits its rig.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a capture folder against its rig and list its cameras and images.",
        discussion: """
            Reads the rig (--rig, else the folder's rig.json, else capture.json's "rig") and \
            matches one image to each camera by name: cam0.jpg, cam0.jpeg or cam0.png for \
            camera cam0. A missing image, an image the rig has no camera for, an image of \
            the wrong size or a file that is not an image is reported by name (exit 2). \
            Only image headers are read, so this is quick on any folder.
            """)

    @Argument(help: ArgumentHelp("The capture folder.", valueName: "CAPTURE"))
    var capture: String

    @Option(help: ArgumentHelp("Rig file to use instead of the folder's rig.json.", valueName: "PATH"))
    var rig: String?

    @Flag(help: "Print one JSON document on stdout instead of text.")
    var json = false

    func run() throws {
        let loaded = try Capture(folder: URL(fileURLWithPath: capture), rigURL: rig.map { URL(fileURLWithPath: $0) })
        if json {
            FileHandle.standardOutput.write(CaptureReport(loaded).json.data())
        } else {
            print(CaptureReport(loaded).text)
        }
        for warning in loaded.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        try AuditTrail.record("info", subject: loaded.manifest?.subject, inputs: loaded.views.map(\.file), outputs: [])
    }
}

/// What `info` reports, as JSON (key order as declared) or text.
struct CaptureReport {
    struct Camera {
        var id: String
        var imageSize: [Int]
        var intrinsics: Intrinsics
        var distortion: [Double]
        /// Camera centre in the rig's world frame (mm).
        var centreMm: [Double]
        var image: Image?
    }

    struct Image {
        var file: String
        var format: String
        var width: Int
        var height: Int
        var channels: String
        var bitDepth: Int
        var bytes: Int
        var exifOrientation: Int?
    }

    struct Baseline {
        var cameras: [String]
        var mm: Double
    }

    var folder: String
    var rig: String
    var rigSource: String
    var cameras: [Camera]
    var baselines: [Baseline]
    var capture: CaptureManifest?
    var warnings: [String]

    init(_ c: Capture) {
        folder = c.folder.path
        rig = c.rigSource.url.path
        switch c.rigSource {
        case .option: rigSource = "option"
        case .folder: rigSource = "folder"
        case .manifest: rigSource = "capture.json"
        }
        let views = Dictionary(uniqueKeysWithValues: c.views.map { ($0.cameraID, $0) })
        cameras = c.rig.cameras.map { cam in
            let centre = cam.centre
            let image = views[cam.id].map { v in
                Image(file: v.file.lastPathComponent, format: v.info.format.rawValue, width: v.info.width,
                      height: v.info.height, channels: v.info.layout.description, bitDepth: v.info.bitDepth,
                      bytes: v.info.fileBytes, exifOrientation: v.info.orientation?.rawValue)
            }
            return Camera(id: cam.id, imageSize: [cam.camera.imageWidth, cam.camera.imageHeight],
                          intrinsics: cam.camera.intrinsics, distortion: cam.camera.distortion.coefficients,
                          centreMm: [centre.x, centre.y, centre.z], image: image)
        }
        var baselines: [Baseline] = []
        let ids = c.rig.cameras.map(\.id)
        for i in 0..<ids.count {
            for j in (i + 1)..<max(i + 1, ids.count) {
                if let b = c.rig.baseline(ids[i], ids[j]) { baselines.append(Baseline(cameras: [ids[i], ids[j]], mm: b)) }
            }
        }
        self.baselines = baselines
        capture = c.manifest
        warnings = c.warnings
    }

    var json: JSONValue {
        .object([
            ("folder", .string(folder)),
            ("rig", .string(rig)),
            ("rigSource", .string(rigSource)),
            ("cameras", .array(cameras.map { cam in
                var pairs: [(String, JSONValue)] = [
                    ("id", .string(cam.id)),
                    ("imageSize", .ints(cam.imageSize)),
                    ("intrinsics", .object([("fx", .number(cam.intrinsics.fx)), ("fy", .number(cam.intrinsics.fy)),
                                            ("cx", .number(cam.intrinsics.cx)), ("cy", .number(cam.intrinsics.cy))])),
                    ("distortion", .numbers(cam.distortion)),
                    ("centreMm", .numbers(cam.centreMm)),
                ]
                if let im = cam.image {
                    pairs.append(("image", .object([
                        ("file", .string(im.file)), ("format", .string(im.format)),
                        ("width", .int(im.width)), ("height", .int(im.height)),
                        ("channels", .string(im.channels)), ("bitDepth", .int(im.bitDepth)),
                        ("bytes", .int(im.bytes)),
                        ("exifOrientation", im.exifOrientation.map { .int($0) } ?? .null),
                    ])))
                }
                return .object(pairs)
            })),
            ("baselines", .array(baselines.map { .object([("cameras", .array($0.cameras.map { .string($0) })), ("mm", .number($0.mm))]) })),
            ("capture", capture?.json ?? .null),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }

    var text: String {
        var lines = ["Capture folder: \(folder)", "Rig: \(rig) (\(rigSourceText)), \(cameras.count) camera\(cameras.count == 1 ? "" : "s")", ""]
        lines.append("Cameras:")
        for cam in cameras {
            let k = cam.intrinsics
            lines.append("  \(cam.id)  \(cam.imageSize[0])×\(cam.imageSize[1]) px  fx \(fmt(k.fx)) fy \(fmt(k.fy)) cx \(fmt(k.cx)) cy \(fmt(k.cy))  distortion [\(cam.distortion.map { fmt($0, 5) }.joined(separator: ", "))]")
            lines.append("        centre (\(cam.centreMm.map { fmt($0, 1) }.joined(separator: ", "))) mm")
        }
        if !baselines.isEmpty {
            lines.append("")
            lines.append("Baselines:")
            for b in baselines { lines.append("  \(b.cameras[0])–\(b.cameras[1])  \(fmt(b.mm, 1)) mm") }
        }
        lines.append("")
        lines.append("Images:")
        for cam in cameras {
            guard let im = cam.image else { continue }
            var line = "  \(cam.id)  \(im.file)  \(im.format) \(im.width)×\(im.height) \(im.channels) \(im.bitDepth)-bit  \(byteText(im.bytes))"
            if let o = im.exifOrientation, o != 1 { line += "  EXIF orientation \(o)" }
            lines.append(line)
        }
        if let m = capture {
            var facts: [String] = []
            if let s = m.subject { facts.append("subject \(s)") }
            if let s = m.session { facts.append("session \(s)") }
            if let s = m.region { facts.append("region \(s)") }
            if let s = m.view { facts.append("view \(s)") }
            if let s = m.consent { facts.append("consent \(s.joined(separator: ", "))") }
            if let r = m.workingRange { facts.append("working range \(fmt(r[0], 0))–\(fmt(r[1], 0)) mm") }
            if !facts.isEmpty { lines.append(""); lines.append("Capture: " + facts.joined(separator: ", ")) }
        }
        return lines.joined(separator: "\n")
    }

    private var rigSourceText: String {
        switch rigSource {
        case "option": return "from --rig"
        case "folder": return "in the capture folder"
        default: return "named by capture.json"
        }
    }
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

func byteText(_ n: Int) -> String {
    n >= 1 << 20 ? String(format: "%.1f MB", Double(n) / 1_048_576) : String(format: "%.0f kB", Double(n) / 1024)
}
