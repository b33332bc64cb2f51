import ArgumentParser
import Foundation
import Standards
import Imaging
import Interchange
import Pipeline
import Reconstruction
import Stereo
import Surface

/// `trinocular reconstruct CAPTURE --out OUT`: the capture's metric point cloud.
struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruct a metric point cloud (mm) from a capture folder.",
        discussion: """
            Each camera is paired with its nearest neighbours by viewing direction and \
            baseline (an arc's consecutive cameras, each pod of a pod rig and the facing \
            cameras of neighbouring pods, a ring's cycle; the order rig.json lists them in \
            does not matter); each pair is rectified and matched densely, coarse to fine: semi-global matching on a reduced \
            image covering the whole disparity range the working range implies, then \
            correlation windows at each finer level and a sub-pixel fit at full resolution, \
            checked left against right. Points seen by three cameras are re-solved from all \
            three and dropped where the three disagree by more than a pixel; normals come \
            from each point's neighbourhood; points off their neighbours' surface and \
            outside the working range are removed.

            The working range is the subject's depth in mm in front of the cameras (along \
            each pair's mean viewing direction, from the midpoint between its two cameras): \
            --working-range, else capture.json's "workingRange", else 600–1600 mm. Give the \
            rig's real one: it bounds the search and removes the background. Rigs all \
            around the subject can also be matched with --pairs all and a --pair-angle that \
            keeps neighbours only (35 for rings of cameras 30° apart).

            The cloud is then meshed: the points' tangent planes averaged into a signed \
            distance on a sparse grid (--mesh-spacing: 0.75 mm, coarser for sparse points), \
            its zero level cut out by \
            marching tetrahedra, fragments removed and holes up to 30 mm around filled. The \
            mesh stays open where the cameras saw one side of the subject; --watertight \
            closes every hole, for objects photographed from all around. --smooth N adds \
            Taubin passes (volume kept). The mesh is then simplified by quadric edge \
            collapses as far as no vertex moves more than 1/40 of the grid spacing (0.019 mm \
            at 0.75 mm) off the full mesh's faces: as accurate as the surface measurement, \
            about a sixth of the faces (a torso: 2.4 M → 0.36 M). --full-mesh keeps every \
            face; --faces N decimates to N faces instead, never moving the surface more \
            than --max-error (0.05 mm).

            Writes OUT/mesh.ply (binary PLY: x y z float mm in the rig's world frame, \
            nx ny nz, red green blue, and the faces), OUT/mesh.obj with OUT/mesh.mtl and \
            OUT/texture-<camera>.jpg (each face painted from the camera that sees it most \
            squarely; texture coordinates shared by the faces that meet at a vertex; vertex \
            colours with --vertex-colours), OUT/points.ply (the fused point cloud, binary \
            PLY with the same properties; with --points, --full-mesh or --no-mesh: a 5 MP \
            capture's cloud alone is 60 MB), and \
            OUT/reconstruction.json (per pair: disparity range, matched pixels, points, \
            three-view confirmations and residuals, timings; the mesh: size, closedness and \
            how it was checked, area, volume when closed, holes filled and left; warnings), \
            and OUT/check.json: the capture against its region's photography protocol, as \
            `trinocular check --json` gives it (skipped with --no-check, or when the region \
            has no protocol; `report` shows it). Nothing is written unless the whole reconstruction succeeds. Progress goes to stderr.
            """)

    @Argument(help: ArgumentHelp("The capture folder (one image per rig camera).", valueName: "CAPTURE-FOLDER"))
    var capture: String

    @Option(help: ArgumentHelp("Rig file to use instead of the folder's rig.json.", valueName: "PATH"))
    var rig: String?

    @Option(help: ArgumentHelp("Output folder (created; must be new or empty unless --force).", valueName: "OUT-FOLDER"))
    var out: String

    @Option(name: .customLong("working-range"),
            help: ArgumentHelp("Subject depth in front of the cameras, NEAR-FAR in mm (overrides capture.json).", valueName: "NEAR-FAR"))
    var workingRange: String?

    @Option(help: ArgumentHelp("Camera pairs to match: neighbours, or all pairs within 60° of each other.", valueName: "neighbours|all"))
    var pairs: String = "neighbours"

    @Option(name: .customLong("pair-angle"),
            help: ArgumentHelp("The widest angle between a pair's optical axes (degrees): wider pairs are not matched.", valueName: "DEG"))
    var pairAngle: Double = 60

    @Option(help: ArgumentHelp("Keep one point per voxel of this size (mm); default keeps every point.", valueName: "MM"))
    var voxel: Double?

    @Option(name: .customLong("mesh-spacing"),
            help: ArgumentHelp("Mesh grid spacing, about the mesh's edge length (mm); default 0.75, or twice the points' spacing when the images give sparser points.", valueName: "MM"))
    var meshSpacing: Double?

    @Flag(name: .customLong("no-mesh"), help: "Write the point cloud only.")
    var noMesh = false

    @Flag(help: "Close every hole of the mesh (subjects photographed from all around), so that it has a volume.")
    var watertight = false

    @Option(help: ArgumentHelp("Taubin smoothing passes on the mesh (a closed mesh keeps its volume exactly).", valueName: "N"))
    var smooth: Int = 0

    @Option(help: ArgumentHelp("Decimate the mesh to about this many faces (quadric edge collapses).", valueName: "N"))
    var faces: Int?

    @Option(name: .customLong("max-error"),
            help: ArgumentHelp("With --faces: the most a decimated vertex may move off the original surface's planes (mm).", valueName: "MM"))
    var maxError: Double = 0.05

    @Flag(name: .customLong("no-texture"), help: "Colour the mesh per vertex only; write no texture images.")
    var noTexture = false

    @Flag(name: .customLong("full-mesh"),
          help: "Keep every face of the mesh (no simplification; 6 × the faces), vertex colours in mesh.obj, and write points.ply: the outputs at full density (a 5 MP capture: ~400 MB).")
    var fullMesh = false

    @Flag(help: "Also write the fused point cloud, OUT/points.ply (always written with --no-mesh or --full-mesh).")
    var points = false

    @Flag(name: .customLong("vertex-colours"), help: "Also write a colour on each vertex line of mesh.obj (MeshLab, Open3D and trimesh show them; mesh.ply always has them).")
    var vertexColours = false

    @Flag(name: .customLong("save-disparities"),
          help: "Also write each pair's disparity (16-bit PNG: value / 16 + the pair's disparityPngOffsetPx in reconstruction.json, 0 = none) and confidence (ZNCC × 65535) maps.")
    var saveDisparities = false

    @Flag(name: .customLong("no-check"), help: "Do not check the capture against its region's photography protocol (OUT/check.json).")
    var noCheck = false

    @OptionGroup var privacy: PrivacyOptions

    @Flag(help: "Replace the output files (mesh.*, points.ply, reconstruction.json, check.json) in an existing output folder; those of an earlier run that this one does not write are removed.")
    var force = false

    func validate() throws {
        if let voxel, !(voxel > 0 && voxel <= 100) { throw ValidationError("--voxel must be a size in mm, 0 < MM ≤ 100") }
        if !(pairAngle > 0 && pairAngle < 90) { throw ValidationError("--pair-angle must be between 0 and 90 degrees") }
        if let meshSpacing, !(meshSpacing >= 0.1 && meshSpacing <= 20) { throw ValidationError("--mesh-spacing must be 0.1…20 mm") }
        if noMesh && watertight { throw ValidationError("--watertight needs a mesh; drop --no-mesh") }
        if !(0...100).contains(smooth) { throw ValidationError("--smooth takes 0…100 passes") }
        if let faces, faces < 100 { throw ValidationError("--faces must be at least 100") }
        if fullMesh && faces != nil { throw ValidationError("--full-mesh keeps every face; drop --faces (or --full-mesh)") }
        if noMesh && (fullMesh || vertexColours) { throw ValidationError("--full-mesh and --vertex-colours need a mesh; drop --no-mesh") }
        if !(maxError > 0 && maxError <= 10) { throw ValidationError("--max-error must be 0 < MM ≤ 10") }
        if ReconstructionOptions.Pairs(rawValue: pairs) == nil { throw ValidationError("--pairs must be neighbours or all") }
        if let workingRange, Reconstruct.parseRange(workingRange) == nil {
            throw ValidationError("--working-range must be NEAR-FAR in mm with 0 < NEAR < FAR, e.g. 700-1300")
        }
    }

    static func parseRange(_ s: String) -> ClosedRange<Double>? {
        let parts = s.split(separator: "-").compactMap { Double($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > parts[0] else { return nil }
        return parts[0]...parts[1]
    }

    func run() throws {
        let started = Date()
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        try OutputFolder.check(outURL, files: Self.outputs, force: force)
        let loaded = try Capture(folder: URL(fileURLWithPath: capture), rigURL: rig.map { URL(fileURLWithPath: $0) })
        // Names that should be pseudonyms, and what the patient agreed to.
        let screen = try privacy.screen()
        let manifestFile = loaded.folder.appendingPathComponent("capture.json").path
        try privacy.check(loaded.manifest?.subject, "capture.json's subject", file: manifestFile, screen: screen)
        try privacy.check(loaded.folder.lastPathComponent, "the capture folder's name", file: loaded.folder.path, screen: screen)
        try privacy.check(outURL.lastPathComponent, "the output folder's name", file: outURL.path, screen: screen)
        try privacy.checkConsent(loaded.manifest?.consent, region: loaded.manifest?.region, deidentified: false, file: manifestFile)
        var options = ReconstructionOptions()
        options.workingRange = workingRange.flatMap(Reconstruct.parseRange)
        options.pairs = ReconstructionOptions.Pairs(rawValue: pairs)!
        options.maximumPairAngle = pairAngle
        options.fusion.voxelSize = voxel
        options.keepDisparities = saveDisparities
        if noMesh {
            options.meshing = nil
        } else {
            var meshing = MeshingOptions()
            if let meshSpacing { meshing.spacing = meshSpacing; options.adaptMeshSpacing = false }
            meshing.watertight = watertight
            meshing.smoothingIterations = smooth
            meshing.targetFaces = faces
            meshing.decimationError = maxError
            if fullMesh { meshing.simplification = nil }
            options.meshing = meshing
            options.texture = !noTexture
        }
        // Read once: the reconstruction and the capture's checks both use them.
        let images = try loaded.readImages()
        let result = try Reconstructor.run(loaded, images: images, options: options) { progress($0) }

        // The protocol check needs only the capture and its images: it runs beside the
        // encoding of the outputs, which is serial, instead of after it.
        let checking = CheckInFlight()
        if !noCheck { checking.start(loaded, images: images) }
        var files: [(String, [UInt8])] = []
        let cloud = result.cloud
        if points || fullMesh || result.mesh == nil {
            files.append(("points.ply", PLY.pointCloud(positions: cloud.positions, normals: cloud.normals, colors: cloud.colors,
                                                       comments: ["Trinocular \(TrinocularVersion.string): fused point cloud, mm, rig world frame"])))
        }
        if let mesh = result.mesh {
            let comment = "Trinocular \(TrinocularVersion.string): surface mesh, mm, rig world frame"
            files.append(("mesh.ply", PLYMesh.encode(mesh, comments: [comment])))
            var objMesh = mesh
            if !(vertexColours || fullMesh || result.atlas == nil) { objMesh.colors = nil }
            if let atlas = result.atlas {
                files.append(("mesh.obj", OBJMesh.encode(objMesh, atlas: atlas, materialLibrary: "mesh.mtl", comments: [comment])))
                files.append(("mesh.mtl", OBJMesh.material(atlas: atlas, comments: ["Trinocular \(TrinocularVersion.string)"])))
                for (material, file) in zip(atlas.materials, atlas.textureFiles) {
                    // The camera's own image, re-encoded: no metadata of the original file.
                    files.append((file, try JPEG.encode(result.textures[material]!, quality: 90)))
                }
            } else {
                files.append(("mesh.obj", OBJMesh.encode(objMesh, comments: [comment], materialLibrary: "mesh.mtl")))
                files.append(("mesh.mtl", OBJMesh.material(comments: ["Trinocular \(TrinocularVersion.string)"])))
            }
        }
        for (d, pair) in zip(result.disparities, result.pairs) {
            // 1/16 px above the pair's offset (its range's lower bound − 1): 0 = none.
            let offset = Float(pair.disparityRange.lowerBound - 1)
            let scaled = d.map.disparity.map { $0.isNaN ? UInt16(0) : UInt16(max(1, min(65535, (($0 - offset) * 16).rounded()))) }
            let confidence = d.map.confidence.map { UInt16(max(0, min(65535, ($0 * 65535).rounded()))) }
            files.append(("disparity-\(d.left)-\(d.right).png", try PNG.encode(Image(width: d.map.width, height: d.map.height, layout: .gray, pixels: scaled))))
            files.append(("confidence-\(d.left)-\(d.right).png", try PNG.encode(Image(width: d.map.width, height: d.map.height, layout: .gray, pixels: confidence))))
        }
        if let checks = checking.finish() { files.append(("check.json", Array(try ReportCoding.data(checks)))) }
        let seconds = Date().timeIntervalSince(started)
        files.append(("reconstruction.json", Array(try ReportCoding.data(ReconstructionReport(result, capture: loaded, seconds: seconds, voxel: voxel)))))
        let written = try OutputFolder.write(files, to: outURL)
        // --force: an earlier run's outputs that this one does not write (points.ply without
        // --points, check.json with --no-check) go, so the folder holds one run's results.
        for name in Self.outputs where !files.contains(where: { $0.0 == name }) {
            try? FileManager.default.removeItem(at: outURL.appendingPathComponent(name))
        }
        var inputs = loaded.views.map(\.file) + [loaded.rigSource.url]
        if loaded.manifest != nil { inputs.append(URL(fileURLWithPath: manifestFile)) }
        try AuditTrail.record("reconstruct", subject: loaded.manifest?.subject, inputs: inputs, outputs: written)
        for w in result.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        progress(String(format: "wrote %@ (%d points) in %.1f s", outURL.path, cloud.count, seconds))
    }
}

extension Reconstruct {
    /// The files a run may write (besides textures and disparity maps).
    static let outputs = ["points.ply", "mesh.ply", "mesh.obj", "mesh.mtl", "reconstruction.json", "check.json"]

    /// The capture against its region's protocol, as `trinocular check` does; nil (with a
    /// note) when its region has no built-in protocol. Bad images have already failed.
    static func standardsCheck(_ capture: Capture, images: [Image<UInt8>]) -> CheckReport? {
        guard let region = capture.manifest?.region, CaptureProtocol.forRegion(region) != nil else {
            progress("capture standards not checked: no protocol for the capture's region (trinocular check --protocol NAME checks it)")
            return nil
        }
        do {
            let started = Date()
            let report = try InspectedVisit(folder: capture.folder, rig: capture.rigSource.url, protocolName: nil, images: images).report
            progress(String(format: "checked against the %@ protocol: %@ (%.1f s)", report.protocol, report.verdict.rawValue, Date().timeIntervalSince(started)))
            return report
        } catch {
            progress("capture standards not checked: \(error)")
            return nil
        }
    }
}

/// `Reconstruct.standardsCheck` on another thread; `finish()` waits for its report.
final class CheckInFlight: @unchecked Sendable {
    private let group = DispatchGroup()
    private var report: CheckReport?

    func start(_ capture: Capture, images: [Image<UInt8>]) {
        DispatchQueue.global().async(group: group) { self.report = Reconstruct.standardsCheck(capture, images: images) }
    }

    /// The report, or nil when the check was not started or has none.
    func finish() -> CheckReport? {
        group.wait()
        return report
    }
}

/// An output folder written all at once: files go to a hidden temporary folder beside
/// it and are renamed into place only when every one is written.
enum OutputFolder {
    /// Refuses an output folder that holds any of `files` (unless `force`) or is a file.
    static func check(_ url: URL, files: [String], force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw CaptureError(file: url.path, problem: "is a file; --out takes a folder") }
        let present = files.filter { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
        if !present.isEmpty, !force {
            throw CaptureError(file: url.path, problem: "already holds \(present.joined(separator: ", ")); pass --force to replace them or choose another --out")
        }
    }

    /// Writes every file (0600, in 0700 folders, whatever the umask; names may hold `/`
    /// for sub-folders) to a hidden staging folder beside `url`, then renames the folder —
    /// or, into an existing folder, each file — into place. Temporaries of killed runs
    /// beside it are swept first. - Returns: the written files' URLs.
    @discardableResult
    static func write(_ files: [(String, [UInt8])], to url: URL) throws -> [URL] {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        func place(_ from: URL, _ to: URL) throws {
            guard rename(from.path, to.path) == 0 else {
                throw FileProblem.system(file: to.path, doing: "cannot be put in place", errno: errno)
            }
        }
        do {
            try PrivateFile.makeFolder(parent)
            PrivateFile.sweepOrphans(in: parent)
            PrivateFile.removeTree(staging)
            let removal = SignalCleanup.remove(staging)   // before it exists: no unregistered moment
            defer { SignalCleanup.forget(removal) }
            try PrivateFile.makeFolder(staging)
            for (name, bytes) in files {
                let target = staging.appendingPathComponent(name)
                try PrivateFile.makeFolder(target.deletingLastPathComponent())
                try PrivateFile.write(bytes, to: target)
            }
            if !fm.fileExists(atPath: url.path) {
                try place(staging, url)
                PrivateFile.syncFolder(parent)
            } else {
                PrivateFile.sweepOrphans(in: url)
                for (name, _) in files {
                    let target = url.appendingPathComponent(name)
                    try PrivateFile.makeFolder(target.deletingLastPathComponent())
                    try place(staging.appendingPathComponent(name), target)
                }
                PrivateFile.syncFolder(url)
                PrivateFile.removeTree(staging)
            }
        } catch {
            PrivateFile.removeTree(staging)
            throw OutputError(file: url.path, problem: "cannot write the output (\(error))",
                              fault: (error as? TrinocularError)?.fault ?? .workFailed)
        }
        return files.map { url.appendingPathComponent($0.0) }
    }
}

/// An output that could not be written (the input's fault where its path is).
typealias OutputError = FileProblem
