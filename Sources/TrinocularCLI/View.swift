import ArgumentParser
import Foundation
import Geometry
import Interchange
import Metrology
import Pipeline
import Surface
import Viewer

/// `trinocular view OUT`: the reconstruction in the browser, landmarks placed by clicking.
struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at a reconstruction in the browser, and place landmarks on it by clicking.",
        discussion: """
            Serves one page on 127.0.0.1 (this machine only) at an address with a random \
            token: without the token the server answers 403, so other users of the machine \
            cannot read the patient's mesh. The address is printed; the browser is opened on it \
            unless --no-browser. The page needs nothing from the internet.

            The page shows OUT's mesh (mesh.obj with its photographs, else mesh.ply): drag to \
            turn it, shift-drag to pan, the wheel to zoom; Colour switches between the \
            photographs (texture), shading, the vertex colours, and — with --compare — the \
            signed distance or asymmetry of a `compare` output; View starts again from a \
            standard view (front, obliques, laterals, top, bottom) or, with --rig, through a \
            rig camera.

            Landmarks: type a name (a plan's names are offered in order) and click the skin: \
            the ray through the pixel is cast onto the mesh (the same code `measure` uses for \
            camera picks); click with the same name to move it, or drag its red mark. With \
            --plan each measurement is made as you go and shown with its ± standard error, \
            its path or loop drawn. Save writes the landmarks file (trinocular.landmarks/1: \
            OUT/landmarks.json unless --landmarks), atomically, 0600, and appends to the audit \
            log; an existing file is loaded first. Stop the server with Ctrl-C.

            Example: trinocular view out/mounds --plan plan.json --rig capture/rig.json
            """)

    @Argument(help: ArgumentHelp("A reconstruct output folder (or a mesh file: .ply or .obj).", valueName: "OUT"))
    var out: String
    @Option(help: ArgumentHelp("The landmarks file Save writes (and loads first when it exists); default OUT/landmarks.json.", valueName: "FILE"))
    var landmarks: String?
    @Option(help: ArgumentHelp("Measurement plan (trinocular.plan/1) to measure as landmarks are placed.", valueName: "FILE"))
    var plan: String?
    @Option(help: ArgumentHelp("Rig file: adds a view through each camera, and places landmarks picked in camera images.", valueName: "PATH"))
    var rig: String?
    @Option(help: ArgumentHelp("A compare output folder: its distance.ply becomes a colour (distance, or asymmetry for --mirror). Repeatable.", valueName: "DIR"))
    var compare: [String] = []
    @Option(help: ArgumentHelp("Port on 127.0.0.1; 0 takes a free one.", valueName: "N"))
    var port: Int = 0
    @Flag(name: .customLong("no-browser"), help: "Print the address only; do not open a browser.")
    var noBrowser = false
    @Option(help: ArgumentHelp("The surface's error along its normal (mm), for the plan's uncertainties.", valueName: "MM"))
    var surfaceNoise: Double = 0.15

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
        if !(surfaceNoise >= 0 && surfaceNoise < 10) { throw ValidationError("--surface-noise must be 0…10 mm") }
    }

    func run() throws {
        // Stop on Ctrl-C, kill or hang-up even when started with those signals ignored or
        // blocked (saves are atomic: nothing is left half-written).
        var stops = sigset_t()
        sigemptyset(&stops)
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL); sigaddset(&stops, sig) }
        pthread_sigmask(SIG_UNBLOCK, &stops, nil)
        let inputs = try loadInputs()
        let session = try ViewerSession(inputs) { file in
            try AuditTrail.record("view: landmarks saved", subject: nil, inputs: [], outputs: [file])
        }
        let server = ViewerServer(session: session)
        let failure = FailureBox(), done = DispatchSemaphore(value: 0)
        let browser = !noBrowser, token = server.token
        Task {
            do {
                try await server.run(port: UInt16(port)) { bound in
                    let address = "http://127.0.0.1:\(bound)/?token=\(token)"
                    FileHandle.standardOutput.write(Data("viewer: \(address)\n(this machine only; Ctrl-C stops it)\n".utf8))
                    if browser { View.openBrowser(address) }
                }
            } catch { failure.set(error) }
            done.signal()
        }
        done.wait()
        if let error = failure.error {
            throw FileProblem(file: "127.0.0.1:\(port)", problem: "the viewer cannot serve (\(error))", fault: .workFailed)
        }
    }

    /// The mesh (textured when OUT has mesh.obj with its photographs), the comparisons, the
    /// plan and the rig.
    func loadInputs() throws -> ViewerSession.Inputs {
        let url = URL(fileURLWithPath: out).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw MeshFileError(file: url.path, problem: "does not exist: give a reconstruct output folder or a mesh file")
        }
        let folder = isFolder.boolValue ? url : url.deletingLastPathComponent()
        var obj = isFolder.boolValue ? url.appendingPathComponent("mesh.obj") : url
        if isFolder.boolValue, !FileManager.default.fileExists(atPath: obj.path) { obj = url.appendingPathComponent("mesh.ply") }
        guard FileManager.default.fileExists(atPath: obj.path) else { throw MeshFileError(file: url.path, problem: "holds no mesh.obj or mesh.ply") }
        var inputs: ViewerSession.Inputs
        if obj.pathExtension.lowercased() == "obj" {
            let (mesh, atlas, library) = try OBJMesh.decodeTextured(Array(try InputLimits.read(obj, limit: 4 << 30, what: "a mesh")), file: obj.path)
            inputs = ViewerSession.Inputs(mesh: mesh, landmarksURL: folder.appendingPathComponent("landmarks.json"))
            if let atlas, let library, !library.contains("/") {
                let files = try TextureAtlas.imageFiles(materials: atlas.materials, mtl: folder.appendingPathComponent(library))
                inputs.atlas = atlas
                inputs.textureFiles = try files.map { ($0, try InputLimits.read(folder.appendingPathComponent($0), limit: 1 << 30, what: "a texture image")) }
            }
        } else {
            inputs = ViewerSession.Inputs(mesh: try Measure.readMesh(obj.path), landmarksURL: folder.appendingPathComponent("landmarks.json"))
        }
        guard !inputs.mesh.faces.isEmpty else { throw MeshFileError(file: obj.path, problem: "the mesh has no faces to show") }
        if let landmarks { inputs.landmarksURL = URL(fileURLWithPath: landmarks).standardizedFileURL }
        inputs.rig = try rig.map { try Rig(contentsOf: URL(fileURLWithPath: $0)) }
        if let plan { inputs.plan = try MeasurementPlan(json: try InputLimits.read(URL(fileURLWithPath: plan), what: "a plan"), file: plan) }
        inputs.errors = ErrorModel(surfaceNoise: surfaceNoise)
        for dir in compare {
            let d = URL(fileURLWithPath: dir)
            let report = try Report.source(ComparisonReport.self, d.appendingPathComponent("comparison.json"), what: "a comparison (trinocular.comparison/1)").report
            inputs.comparisons.append((report.kind == "mirror" ? "asymmetry" : "distance", try PLYMesh.read(d.appendingPathComponent("distance.ply")), report.colourRangeMm ?? 3))
        }
        return inputs
    }

    /// Opens `address` in the desktop's browser, if there is one (xdg-open); the address
    /// is printed either way.
    static func openBrowser(_ address: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", address]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}

/// The error a server task ended with, read after it ends.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ e: Error) { lock.lock(); stored = e; lock.unlock() }
}
