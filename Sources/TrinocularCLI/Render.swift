import ArgumentParser
import Foundation
import Geometry
import Imaging
import Interchange
import Metrology
import Rendering
import Surface

/// `trinocular render MESH --out IMAGE.png`: a picture of a mesh from a standard view of the
/// clinical protocols or from a rig camera.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a mesh as a PNG picture: a standard clinical view or a rig camera's.",
        discussion: """
            Views (--view) are those of the clinical photography protocols, placed relative to \
            the capture rig (--rig; without it the mesh's frame is taken as the first camera's, \
            as reconstruct writes it): front (from the first camera's side, its image's up \
            up), left-oblique and right-oblique (turned 45° about the up axis), left and right \
            (90°: left shows the subject's left side), top and bottom (looking down at and up \
            at the subject: the worm's-eye view of the nose); each frames the whole mesh with \
            a 30° field of view. camera:ID renders through rig camera ID itself, its lens \
            included, at its image size unless --size says otherwise: the picture lands on \
            that camera's photograph.

            --colour shading draws the shape in light grey under a soft headlight and a key \
            light from the upper left; --colour vertex draws the mesh's vertex colours (a \
            reconstruction's photograph colours: mesh.ply); --colour texture maps the \
            photographs onto the mesh (reconstruct's mesh.obj with its mesh.mtl and the images \
            beside it). --landmarks marks the landmarks (red discs) where the surface does not \
            hide them, and with --plan each measurement's path, contour or loop is drawn in its \
            own colour. The PNG carries no metadata and is \
            written 0600, all at once; an existing file is refused without --force. Example: \
            trinocular render out/mounds/mesh.ply --out front.png --rig samples/mounds/rig.json
            """)

    @Argument(help: ArgumentHelp("Mesh file (PLY or OBJ, mm).", valueName: "MESH")) var mesh: String
    @Option(help: ArgumentHelp("The picture to write (.png).", valueName: "IMAGE.png")) var out: String
    @Option(help: ArgumentHelp("front, left-oblique, left, right-oblique, right, top, bottom, or camera:ID.", valueName: "VIEW")) var view = "front"
    @Option(help: ArgumentHelp("The capture's rig (rig.json): places the views, and camera:ID needs it.", valueName: "PATH")) var rig: String?
    @Option(help: ArgumentHelp("Picture size in pixels, WIDTHxHEIGHT (default 1024x1024; a rig camera's image size for camera:ID).", valueName: "WxH")) var size: String?
    @Option(help: ArgumentHelp("shading, vertex (the mesh's vertex colours) or texture (an OBJ's photographs).", valueName: "COLOUR")) var colour = "shading"
    @Option(help: ArgumentHelp("Landmarks to mark (trinocular.landmarks/1; picks need --rig): red discs where the surface does not hide them.", valueName: "FILE")) var landmarks: String?
    @Option(help: ArgumentHelp("A measurement plan whose paths, contours and loops to draw (needs --landmarks).", valueName: "FILE")) var plan: String?
    @Flag(help: "Replace an existing picture.") var force = false

    static func parseSize(_ s: String) -> (Int, Int)? {
        let p = s.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, (16...8192).contains(p[0]), (16...8192).contains(p[1]) else { return nil }
        return (p[0], p[1])
    }

    func validate() throws {
        guard StandardView(view) != nil else {
            throw ValidationError("--view must be one of \(StandardView.named.map(\.0).joined(separator: ", ")) or camera:ID, got '\(view)'")
        }
        if let size, Self.parseSize(size) == nil { throw ValidationError("--size must be WIDTHxHEIGHT, each 16…8192 pixels, e.g. 1024x1024") }
        guard let colouring = SurfaceColouring(rawValue: colour) else { throw ValidationError("--colour must be shading, vertex or texture, got '\(colour)'") }
        if colouring == .texture && !mesh.lowercased().hasSuffix(".obj") {
            throw ValidationError("--colour texture needs a textured OBJ (reconstruct's mesh.obj, with mesh.mtl and its images beside it)")
        }
        guard out.lowercased().hasSuffix(".png") else { throw ValidationError("--out must name a .png file") }
        if plan != nil && landmarks == nil { throw ValidationError("--plan needs --landmarks: a plan measures between named landmarks") }
    }

    func run() throws {
        let meshURL = URL(fileURLWithPath: mesh), outURL = URL(fileURLWithPath: out).standardizedFileURL
        if FileManager.default.fileExists(atPath: outURL.path) && !force {
            throw OutputError(file: outURL.path, problem: "already exists; choose another --out or add --force", fault: .badInput)
        }
        let (m, texture) = try Self.readMesh(meshURL, textured: colour == SurfaceColouring.texture.rawValue)
        guard !m.faces.isEmpty else { throw MeshFileError(file: meshURL.path, problem: "the mesh has no faces to draw") }
        let rigFile = try rig.map { try Rig(contentsOf: URL(fileURLWithPath: $0)) }
        let chosen = StandardView(view)!
        var (width, height) = size.flatMap(Self.parseSize) ?? (1024, 1024)
        if case let .camera(id) = chosen {
            guard let rigFile else { throw ValidationError("--view \(view) needs --rig: the rig that has camera '\(id)'") }
            guard let c = rigFile.camera(id: id) else {
                throw RigFileError(file: rig!, problem: "has no camera '\(id)' (it has \(rigFile.cameras.map(\.id).joined(separator: ", ")))")
            }
            if size == nil { (width, height) = (c.camera.imageWidth, c.camera.imageHeight) }
        }
        let camera = chosen.camera(for: m, rig: rigFile, width: width, height: height)!
        let started = Date()
        var picture = Rasterizer.render(m, from: camera, colouring: SurfaceColouring(rawValue: colour)!, texture: texture)
        try drawOverlays(on: &picture, mesh: m, rig: rigFile, view: camera)
        try PrivateFile.write(try PNG.encode(picture.image), to: outURL)
        try AuditTrail.record("render", subject: nil, inputs: [meshURL] + [rig, landmarks, plan].compactMap { $0.map { URL(fileURLWithPath: $0) } }, outputs: [outURL])
        print(String(format: "%@: %@ view, %d×%d, %d of its pixels show the surface (%.2f s)",
                     outURL.lastPathComponent, chosen.description, width, height, picture.coveredPixels, Date().timeIntervalSince(started)))
    }

    /// The mesh, and for a textured OBJ its atlas with the images its material library names.
    static func readMesh(_ url: URL, textured: Bool) throws -> (TriangleMesh, Texture?) {
        guard textured else { return (try Measure.readMesh(url.path), nil) }
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch { throw MeshFileError(file: url.path, problem: "cannot read the file") }
        let (mesh, atlas, library) = try OBJMesh.decodeTextured(Array(bytes), file: url.path)
        guard let atlas, let library else {
            throw MeshFileError(file: url.path, problem: "has no texture coordinates and materials for every face: --colour texture needs reconstruct's mesh.obj (made without --no-texture)")
        }
        guard !library.contains("/") else { throw MeshFileError(file: url.path, problem: "its material library '\(library.excerpt())' must be a file beside it") }
        let folder = url.deletingLastPathComponent()
        let files = try TextureAtlas.imageFiles(materials: atlas.materials, mtl: folder.appendingPathComponent(library))
        let images = try files.map { try ImageFile.read(folder.appendingPathComponent($0)).eightBit }
        return (mesh, Texture(atlas: atlas, images: images))
    }

    /// The landmarks as red discs and the plan's paths, contours and loops as lines, one
    /// colour per measurement, where the surface does not hide them.
    func drawOverlays(on picture: inout Rendering.Render, mesh: TriangleMesh, rig: Rig?, view: RenderCamera) throws {
        guard let landmarks else { return }
        let data = try InputLimits.read(URL(fileURLWithPath: landmarks), what: "a landmarks file")
        let placed = try Landmarks(json: data, file: landmarks, mesh: mesh, rig: rig)
        if let plan {
            let planData = try InputLimits.read(URL(fileURLWithPath: plan), what: "a plan")
            let palette: [SIMD3<UInt8>] = [SIMD3(20, 110, 230), SIMD3(20, 170, 60), SIMD3(230, 140, 0), SIMD3(150, 60, 200), SIMD3(0, 170, 170)]
            for (k, r) in try MeasurementPlan(json: planData, file: plan).measure(mesh, landmarks: placed, file: plan).enumerated() {
                Overlay.polyline(r.path, closed: r.closed == true, on: &picture, view: view, colour: palette[k % palette.count])
            }
        }
        Overlay.mark(placed.landmarks.map(\.point), on: &picture, view: view, colour: SIMD3(220, 30, 30))
    }
}
