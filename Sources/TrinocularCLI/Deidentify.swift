import ArgumentParser
import Foundation
import Imaging
import Metrology
import Interchange
import Pipeline
import Safekeeping
import Surface

/// `trinocular deidentify IN --out OUT`: capture images without identifying metadata, names
/// replaced by pseudonyms; or a mesh without the head and without colour.
struct Deidentify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy captures without identifying metadata, or a mesh without the head and its colours.",
        discussion: """
            IN is a capture folder, a study folder (sub-folders are captures), or a mesh \
            (.ply or .obj).

            Captures: every image is rewritten without metadata by an allowlist — JPEG keeps \
            its JFIF header (without thumbnail), Adobe colour flag, tables and scan data, \
            byte for byte; PNG keeps its critical and colour chunks — so Exif (GPS, owner, \
            serial numbers, MakerNote, thumbnail), XMP, IPTC, comments, PNG text and time \
            chunks, and anything after the image's end are gone, and the pixels are \
            unchanged; the Adobe segment and PNG colour chunks are rebuilt from their values, \
            so nothing hidden in them survives. ICC profiles only with --keep-icc. rig.json is \
            rewritten with the contract's keys; capture.json keeps only the contract's keys. \
            Other files are left behind (listed).

            --pseudonyms MAP.json replaces capture.json's subject by S0001, S0002, …, a \
            study's folder names by C0001, …, a session that looks like a date or a name by \
            V0001, …, names each image after its camera only (cam0.jpg), drops a region or \
            view that looks like PHI, and keeps the mapping in MAP.json (0600; outside OUT — \
            seal it or keep it elsewhere). An existing MAP.json is extended, so pseudonyms \
            stay stable across runs. Without it, a subject, session, region, view, folder or \
            image file name that looks like a person's name, a date or a record number is \
            warned about; --strict refuses it (exit 2). --phi-patterns FILE adds a practice's own patterns \
            ({"patterns": [{"kind": "a hospital number", "regex": "^H\\\\d{5}$"}]}).

            --purpose education|publication checks capture.json's consent: a de-identified \
            copy of a body region is allowed without it; a face, or a capture whose region \
            is not recorded, needs the consent.

            Meshes: --cut-plane PX,PY,PZ,NX,NY,NZ removes everything the normal points to \
            (point it from the neck to the crown); --keep-box X0,Y0,Z0,X1,Y1,Z1 removes \
            everything outside the box; --landmarks FILE --cut-through A,B,C --remove-toward D \
            cuts through three landmarks and removes the side holding D. Colours and \
            textures are dropped. Writes OUT/mesh.ply and OUT/mesh.obj.

            Everything is written 0600 at once, or not at all (Ctrl-C removes the partial \
            copy); the action is audited by content hashes, never by path. \
            OUT/deidentification.json says what was removed.
            """)

    @Argument(help: ArgumentHelp("A capture folder, a study folder, or a mesh (.ply, .obj).", valueName: "IN"))
    var input: String

    @Option(help: ArgumentHelp("Output folder (must not exist).", valueName: "OUT"))
    var out: String

    @Option(help: ArgumentHelp("Replace subjects and folder names by pseudonyms; keep the mapping in FILE (outside OUT).", valueName: "MAP.json"))
    var pseudonyms: String?

    @Flag(name: .customLong("keep-icc"), help: "Keep ICC colour profiles (JPEG APP2, PNG iCCP).")
    var keepICC = false

    @OptionGroup var privacy: PrivacyOptions

    @Option(name: .customLong("cut-plane"), help: ArgumentHelp("Mesh: remove the side of this plane its normal points to.", valueName: "PX,PY,PZ,NX,NY,NZ"))
    var cutPlane: String?

    @Option(name: .customLong("keep-box"), help: ArgumentHelp("Mesh: keep only what lies inside this box (mm).", valueName: "X0,Y0,Z0,X1,Y1,Z1"))
    var keepBox: String?

    @Option(help: ArgumentHelp("Mesh: landmarks file for --cut-through.", valueName: "FILE"))
    var landmarks: String?

    @Option(name: .customLong("cut-through"), help: ArgumentHelp("Mesh: three landmarks the cutting plane passes through.", valueName: "A,B,C"))
    var cutThrough: String?

    @Option(name: .customLong("remove-toward"), help: ArgumentHelp("Mesh: the landmark on the side to remove (e.g. the nasion).", valueName: "D"))
    var removeToward: String?

    static func numbers(_ s: String?, count: Int) -> [Double]? {
        guard let s else { return nil }
        let v = s.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return v.count == count && v.allSatisfy(\.isFinite) ? v : nil
    }

    func validate() throws {
        if cutPlane != nil, Self.numbers(cutPlane, count: 6) == nil { throw ValidationError("--cut-plane takes six numbers PX,PY,PZ,NX,NY,NZ (mm, normal)") }
        if keepBox != nil {
            guard let b = Self.numbers(keepBox, count: 6), b[0] < b[3], b[1] < b[4], b[2] < b[5] else {
                throw ValidationError("--keep-box takes X0,Y0,Z0,X1,Y1,Z1 in mm with X0 < X1, Y0 < Y1, Z0 < Z1")
            }
        }
        let byLandmarks = [landmarks, cutThrough, removeToward].compactMap { $0 }.count
        if byLandmarks != 0 && byLandmarks != 3 { throw ValidationError("a landmark cut needs --landmarks, --cut-through A,B,C and --remove-toward D together") }
        if [cutPlane != nil, keepBox != nil, byLandmarks == 3].filter({ $0 }).count > 1 { throw ValidationError("give one of --cut-plane, --keep-box, --cut-through") }
    }

    var isMesh: Bool { ["ply", "obj"].contains(URL(fileURLWithPath: input).pathExtension.lowercased()) }

    func run() throws {
        let source = URL(fileURLWithPath: input).standardizedFileURL
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        if FileManager.default.fileExists(atPath: outURL.path) {
            throw SafekeepingRefusal(file: outURL.path, problem: "already exists; deidentify writes a new folder")
        }
        if outURL.path.hasPrefix(source.path + "/") { throw SafekeepingRefusal(file: outURL.path, problem: "lies inside the input; write it elsewhere") }
        let screen = try privacy.screen()
        try privacy.check(outURL.lastPathComponent, "the output folder's name", file: outURL.path, screen: screen)
        let (files, report, subject) = isMesh ? try redactMesh(source) : try copyCaptures(source, out: outURL, screen: screen)
        var all = files
        all.append(("deidentification.json", Array(report.data())))
        let written = try OutputFolder.write(all, to: outURL)   // OUT is new: renamed whole
        try AuditTrail.record("deidentify", subject: subject, inputs: [source], outputs: written)
        print("wrote \(outURL.path) (\(files.count) files)")
    }

    // MARK: Meshes

    func redactMesh(_ url: URL) throws -> ([(String, [UInt8])], JSONValue, String?) {
        let mesh = try Measure.readMesh(url.path)
        var redaction: TriangleMesh.Redaction?
        if let p = Self.numbers(cutPlane, count: 6) {
            let n = SIMD3(p[3], p[4], p[5])
            guard (n * n).sum() > 0 else { throw ValidationError("--cut-plane's normal is zero") }
            redaction = .beyondPlane(point: SIMD3(p[0], p[1], p[2]), normal: n)
        } else if let b = Self.numbers(keepBox, count: 6) {
            redaction = .outsideBox(min: SIMD3(b[0], b[1], b[2]), max: SIMD3(b[3], b[4], b[5]))
        } else if let landmarks, let cutThrough, let removeToward {
            let data = try InputLimits.read(URL(fileURLWithPath: landmarks), what: "a landmarks file")
            let placed = try Metrology.Landmarks(json: data, file: landmarks, mesh: mesh, rig: nil)
            let names = cutThrough.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            guard names.count == 3 else { throw ValidationError("--cut-through takes three landmark names A,B,C") }
            let a = try placed.named(names[0], file: landmarks).point, b = try placed.named(names[1], file: landmarks).point
            let c = try placed.named(names[2], file: landmarks).point
            var n = crossProduct3(b - a, c - a)
            guard (n * n).sum() > 1e-12 else { throw LandmarkError(file: landmarks, problem: "\(cutThrough) lie on one line; they do not define a plane") }
            let d = try placed.named(removeToward, file: landmarks).point
            if ((d - a) * n).sum() < 0 { n = -n }
            redaction = .beyondPlane(point: a, normal: n)
        }
        var kept = mesh
        var removed = 0
        if let redaction { (kept, removed) = mesh.redacted(redaction) } else { kept.colors = nil }
        guard !kept.faces.isEmpty else { throw SafekeepingRefusal(file: url.path, problem: "nothing of the mesh is left after the cut; check the plane's normal (it points at what is removed)") }
        if redaction == nil {
            FileHandle.standardError.write(Data("warning: no cut given: colours are dropped but the whole shape is kept; a face's shape identifies it (--cut-plane, --keep-box or --cut-through)\n".utf8))
        }
        try privacy.checkConsent(nil, region: redaction == nil ? nil : "body", deidentified: true, file: url.path)
        let comment = "Trinocular \(TrinocularVersion.string): de-identified mesh, mm"
        let files: [(String, [UInt8])] = [("mesh.ply", PLYMesh.encode(kept, comments: [comment])), ("mesh.obj", OBJMesh.encode(kept, comments: [comment]))]
        let report = JSONValue.object([
            ("format", "trinocular.deidentification/1"), ("tool", .string("trinocular \(TrinocularVersion.string)")),
            ("kind", "mesh"), ("facesRemoved", .int(removed)), ("facesKept", .int(kept.faces.count)),
            ("cut", .string(cutPlane != nil ? "plane" : keepBox != nil ? "box" : cutThrough != nil ? "plane through landmarks" : "none")),
            ("colorsRemoved", .bool(mesh.colors != nil)),
        ])
        return (files, report, nil)
    }
}

/// A refusal to write patient data where it should not go (PHI in names, consent).
typealias SafekeepingRefusal = FileProblem

func crossProduct3(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
