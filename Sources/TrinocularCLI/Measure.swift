import ArgumentParser
import Foundation
import Geometry
import Interchange
import LinearAlgebra
import Metrology
import Pipeline
import Surface

/// `trinocular measure MESH`: area, closedness, volume (closed meshes only), bounds.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a mesh: surface area, whether it is closed, enclosed volume, bounding box (mm).",
        discussion: """
            Reads a PLY (binary or ASCII) or OBJ mesh, positions in mm. The volume is given only for \
            a closed, consistently oriented mesh — every edge shared by exactly two faces that \
            run it in opposite directions — and refused with the reason otherwise (an open \
            surface encloses no volume; a number computed on it would be meaningless).

            With --landmarks (trinocular.landmarks/1: named 3D points in mm, moved onto the \
            mesh, or picks in a camera image, cast onto it — picks need --rig) the landmarks \
            are placed and listed (with --landmarks-on BASELINE, landmarks placed on another \
            capture of the same subject are carried onto MESH by registration, and the \
            residual is reported); with --plan (trinocular.plan/1) the plan's measurements \
            are made between them: straight distances, distances along the surface \
            (geodesic), contour lengths (the mesh cut by the plane through three \
            landmarks, or one landmark and a normal), and the area and volume of a region \
            inside a closed loop of landmarks (the volume against a base surface — a \
            reconstructed chest wall — fitted to the skin round the loop). Every value comes \
            with an estimated standard error (± in the table) from --surface-noise and, with \
            --rig pointing at a calibrated rig file, the calibration's scale error. Formats: \
            docs/formats.md, "Metrology".
            """)
    @Argument(help: ArgumentHelp("Mesh file (PLY or OBJ, mm).", valueName: "MESH")) var mesh: String
    @Option(help: ArgumentHelp("Landmarks file (trinocular.landmarks/1).", valueName: "FILE")) var landmarks: String?
    @Option(help: ArgumentHelp("MeasuredValue plan (trinocular.plan/1); needs --landmarks.", valueName: "FILE")) var plan: String?
    @Option(help: ArgumentHelp("Rig file, for landmarks picked in camera images.", valueName: "PATH")) var rig: String?
    @Option(name: .customLong("landmarks-on"),
            help: ArgumentHelp("The mesh the landmarks were placed on — another capture of the same subject (its baseline): they are carried onto MESH by registering that mesh onto it, and the registration's residual is reported.", valueName: "BASELINE-MESH"))
    var landmarksOn: String?
    @Option(help: ArgumentHelp("Also write each measurement's path or curve as an OBJ polyline (measurement-01.obj, …) in this folder, for display.", valueName: "DIR")) var paths: String?
    @Option(help: ArgumentHelp("The surface's error along its normal (mm), for the uncertainties: 0.15 by default (published repeatability of clinical 3D systems).", valueName: "MM")) var surfaceNoise: Double = 0.15
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func validate() throws {
        if plan != nil && landmarks == nil { throw ValidationError("--plan needs --landmarks: a plan measures between named landmarks") }
        if paths != nil && plan == nil { throw ValidationError("--paths needs --plan: it writes the plan's paths") }
        if landmarksOn != nil && landmarks == nil { throw ValidationError("--landmarks-on needs --landmarks: the landmarks placed on that mesh") }
        if !(surfaceNoise >= 0 && surfaceNoise < 10) { throw ValidationError("--surface-noise must be 0…10 mm") }
    }

    /// A PLY or OBJ mesh, by its extension.
    static func readMesh(_ path: String) throws -> TriangleMesh {
        let url = URL(fileURLWithPath: path)
        switch url.pathExtension.lowercased() {
        case "ply": return try PLYMesh.read(url)
        case "obj": return try OBJMesh.read(url)
        default: throw MeshFileError(file: url.path, problem: "unknown mesh format: give a .ply or .obj file")
        }
    }

    /// The landmarks placed on `mesh`, or — with --landmarks-on — placed on that baseline mesh
    /// and carried onto this one, with the transfer.
    func placeLandmarks(_ data: Data, file: String, on mesh: TriangleMesh, rig: Rig?) throws -> (Landmarks, LandmarkTransfer.Result?) {
        guard let landmarksOn else { return (try Landmarks(json: data, file: file, mesh: mesh, rig: rig), nil) }
        let baseline = try Self.readMesh(landmarksOn)
        let onBaseline = try Landmarks(json: data, file: file, mesh: baseline, rig: rig)
        let transfer = try LandmarkTransfer.carry(onBaseline.landmarks.map { ($0.name, $0.point) }, from: LandmarkTransfer.samples(of: baseline), onto: mesh)
        return (try Landmarks(json: LandmarkTransfer.json(transfer.landmarks), file: "\(file), carried from \(landmarksOn)", mesh: mesh, rig: nil), transfer)
    }

    /// The patches `reconstruct` filled where no camera saw the skin, from the
    /// reconstruction.json beside the mesh when it describes this mesh (same vertex and face
    /// counts); none otherwise.
    static func unseenPatches(beside mesh: URL, mesh m: TriangleMesh) -> [UnseenPatch] {
        let report = mesh.deletingLastPathComponent().appendingPathComponent("reconstruction.json")
        guard let data = try? InputLimits.read(report, limit: 64 << 20, what: "a reconstruction report"),
              let section = (try? JSONDecoder().decode(ReconstructionReport.self, from: data))?.mesh,
              section.vertices == m.vertices.count, section.faces == m.faces.count else { return [] }
        return section.unseenAreas.compactMap { entry in
            let c = entry.centreMm
            guard c.count == 3, entry.areaMm2.isFinite, entry.areaMm2 >= 0, c.allSatisfy(\.isFinite) else { return nil }
            return UnseenPatch(area: entry.areaMm2, centre: SIMD3(c[0], c[1], c[2]))
        }
    }

    func run() throws {
        let url = URL(fileURLWithPath: mesh)
        let m = try Self.readMesh(mesh)
        let topology = m.topology
        var volume: Double?, refusal: String?
        do { volume = try m.volume() } catch let e as VolumeRefused { refusal = e.reason }
        let bounds = m.bounds
        // Landmarks and the plan's measurements.
        var placed: Landmarks?, measured: [MeasuredValue] = [], transfer: LandmarkTransfer.Result?
        if let landmarks {
            let rigFile = try rig.map { try Rig(contentsOf: URL(fileURLWithPath: $0)) }
            let data: Data
            data = try InputLimits.read(URL(fileURLWithPath: landmarks), what: "a landmarks file")
            (placed, transfer) = try placeLandmarks(data, file: landmarks, on: m, rig: rigFile)
            if let plan {
                let planData: Data
                planData = try InputLimits.read(URL(fileURLWithPath: plan), what: "a plan")
                var errors = ErrorModel(surfaceNoise: surfaceNoise)
                if let rig, let d = try? JSONValue.parse(InputLimits.read(URL(fileURLWithPath: rig), what: "a rig file")),
                   let e = d["calibration"]?["distanceErrorMm"]?.number, let span = d["calibration"]?["distanceErrorSpanMm"]?.number, span > 0 {
                    errors.relativeScale = e / span
                }
                measured = try MeasurementPlan(json: planData, file: plan).measure(m, landmarks: placed!, file: plan, errors: errors,
                                                                                   unseen: Self.unseenPatches(beside: url, mesh: m))
            }
        }
        var written: [URL] = []
        if let paths, !measured.isEmpty {
            // Numbered files (the measurement names are the user's and stay out of file
            // names); each names its measurement in a comment. Written all at once.
            var files: [(String, [UInt8])] = []
            for (i, r) in measured.enumerated() {
                let name = String(r.name.map { $0.isNewline ? " " : $0 })
                var text = "# Trinocular \(TrinocularVersion.string): \(name), \(fmt(r.value, 3)) \(r.unit), mm\n"
                for p in r.path { text += "v \(p.x) \(p.y) \(p.z)\n" }
                let n = r.path.count
                if n >= 2 {
                    var indices: [String] = (1...n).map { String($0) }
                    if r.closed == true { indices.append("1") }
                    text += "l " + indices.joined(separator: " ") + "\n"
                }
                files.append((String(format: "measurement-%02d.obj", i + 1), Array(text.utf8)))
            }
            let url = URL(fileURLWithPath: paths).standardizedFileURL
            try OutputFolder.check(url, files: files.map(\.0), force: false)
            written = try OutputFolder.write(files, to: url)
        }
        try AuditTrail.record("measure", subject: nil,
                              inputs: [url] + [landmarks, landmarksOn, plan].compactMap { $0.map { URL(fileURLWithPath: $0) } }, outputs: written)
        if json {
            let report = MeasurementReport(m, topology: topology, volume: volume, refusal: refusal, landmarks: placed,
                                           measured: plan != nil ? measured : nil, transfer: transfer)
            FileHandle.standardOutput.write(try ReportCoding.data(report))
            return
        }
        print("\(url.lastPathComponent): \(m.vertices.count) vertices, \(m.faces.count) faces")
        print("area      \(fmt(m.area, 1)) mm² (\(fmt(m.area / 100, 2)) cm²)")
        print("closed    \(topology.isClosed ? "yes" : "no: \(topology.problem ?? "")") (checked: \(MeshTopology.method))")
        if let volume { print("volume    \(fmt(volume, 1)) mm³ (\(fmt(volume / 1000, 2)) mL)") } else { print("volume    refused: the mesh is not closed") }
        if let b = bounds {
            print("bounds    x \(fmt(b.min.x, 1))…\(fmt(b.max.x, 1)), y \(fmt(b.min.y, 1))…\(fmt(b.max.y, 1)), z \(fmt(b.min.z, 1))…\(fmt(b.max.z, 1)) mm")
        }
        Self.printPlaced(placed, measured: measured, transfer: transfer, baseline: landmarksOn)
    }

    /// The table output's landmarks, their transfer and the plan's measurements.
    static func printPlaced(_ placed: Landmarks?, measured: [MeasuredValue], transfer: LandmarkTransfer.Result?, baseline: String?) {
        if let t = transfer?.registration {
            print("landmarks carried from \(URL(fileURLWithPath: baseline ?? "").lastPathComponent): registration residual \(fmt(t.rms, 3)) mm RMS, \(fmt(100 * t.inlierFraction, 1)) % inliers, turned \(fmt(t.transform.rotation.angle * 180 / .pi, 2))°, moved \(fmt(length(t.transform.translation), 1)) mm")
        }
        if let placed {
            print("landmarks")
            for l in placed.landmarks {
                print("  \(l.name): (\(fmt(l.point.x, 2)), \(fmt(l.point.y, 2)), \(fmt(l.point.z, 2))) mm, \(l.source)\(l.snapDistance > 0 ? ", moved \(fmt(l.snapDistance, 2)) mm onto the mesh" : "")")
            }
        }
        if !measured.isEmpty {
            print("measurements")
            let width = measured.map(\.name.count).max() ?? 0
            for r in measured {
                let closed = r.closed.map { $0 ? " (closed curve)" : " (open curve)" } ?? ""
                print("  \(r.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(fmt(r.value, 2)) ± \(fmt(r.uncertainty, 2)) \(r.unit)\(closed)  — \(r.method)")
            }
        }
    }
}
