import Foundation
import Geometry
import Imaging
import Interchange
import LinearAlgebra

/// What to render for one synthetic capture.
public struct CaptureSpec: Sendable {
    public var scene: SceneName = .mounds
    public var rig = SyntheticRigOptions()
    public var render = RenderOptions()
    /// Write JPEG at this quality (1…100) instead of PNG.
    public var jpegQuality: Int? = nil
    /// A scene to render instead of the catalogue's (e.g. mounds of other sizes, for a
    /// "post" capture); `scene` then only names it.
    public var sceneOverride: (any SceneSurface)? = nil
    /// The subject moved by this rigid motion (in its own frame, mm) before the shot: the
    /// rig stays, the subject turns and shifts (x_world = worldFromSubject · motion · x).
    public var subjectMotion: RigidTransform? = nil

    public init(scene: SceneName = .mounds) { self.scene = scene }

    public func validate() throws {
        try rig.validate()
        try render.validate()
        if let q = jpegQuality, !(1...100).contains(q) { throw SynthesisError.badOption("JPEG quality must be 1…100, got \(q)") }
    }
}

/// A rendered capture held in memory: the rig, one view per camera and the ground truth.
/// Unit tests render small ones (`spec.rig.scale` ≈ 0.1–0.25) without touching the disk.
public struct SyntheticCapture: Sendable {
    public var spec: CaptureSpec
    public var rig: SyntheticRig
    public var scene: any SceneSurface
    /// In the rig's camera order.
    public var views: [RenderedView]

    /// Renders every camera. `progress` receives one line per camera.
    public init(_ spec: CaptureSpec, progress: ((String) -> Void)? = nil) throws {
        try spec.validate()
        self.spec = spec
        rig = try SyntheticRig(spec.rig)
        if let motion = spec.subjectMotion { rig.worldFromSubject = rig.worldFromSubject * motion }
        scene = spec.sceneOverride ?? spec.scene.make(seed: spec.render.seed)
        let renderer = Renderer(scene: scene, options: spec.render)
        var views: [RenderedView] = []
        for (i, camera) in rig.rig.cameras.enumerated() {
            progress?("rendering \(camera.id) (\(i + 1)/\(rig.rig.cameras.count)), \(camera.camera.imageWidth)×\(camera.camera.imageHeight)")
            views.append(renderer.render(camera, index: i, subjectFromWorld: rig.subjectFromWorld))
        }
        self.views = views
    }

    /// Depth maps are written as 16-bit PNG in units of this many mm (0 = no surface).
    public static let depthUnitMm = 0.05

    /// The ground truth document (`trinocular.truth/1`), world frame = the rig's (mm).
    public func truth(depthFolder: String?) -> JSONValue {
        let t = rig.worldFromSubject
        let render = spec.render
        return .object([
            ("format", "trinocular.truth/1"),
            ("units", "mm"),
            ("scene", .string(spec.scene.rawValue)),
            ("description", .string(spec.scene.summary)),
            ("seed", .int(Int(truncatingIfNeeded: render.seed))),
            ("rig", .object([("file", "rig.json"), ("layout", .string(spec.rig.layout.rawValue)),
                             ("cameras", .int(rig.rig.cameras.count)), ("scale", .number(spec.rig.scale)),
                             ("subjectDistanceMm", .number(spec.rig.subjectDistance))])),
            ("worldFromSubject", .object([("R", .numbers(t.rotation.matrix.rowMajor)),
                                          ("t", .numbers([t.translation.x, t.translation.y, t.translation.z])),
                                          ("note", "x_world = R x_subject + t; scene parameters are in the subject frame")])),
            ("truth", scene.truth),
            ("render", .object([("supersampling", .int(render.supersampling)), ("noiseSigma", .number(render.noiseSigma)),
                                ("tint", render.tint.map { .numbers([$0.x, $0.y, $0.z]) } ?? .null),
                                ("backdrop", render.backdrop.map { .numbers([$0.x, $0.y, $0.z]) } ?? .number(render.background)),
                                ("textureFeatureMm", .number(render.featureSize)),
                                ("jpegQuality", spec.jpegQuality.map { .int($0) } ?? .null),
                                ("degradation", render.degradation.isIdentity ? .null : .object([
                                    ("textureContrast", .number(render.degradation.textureContrast)),
                                    ("blurSigmaPx", .number(render.degradation.blurSigma)),
                                    ("gains", .numbers(render.degradation.gains)),
                                    ("whiteBalance", .array(render.degradation.whiteBalance.map { .numbers([$0.x, $0.y, $0.z]) })),
                                    ("vignetting", .number(render.degradation.vignetting)),
                                ]))])),
            ("depthMaps", depthFolder.map { .object([("folder", .string($0)),
                                                     ("format", "16-bit gray PNG per camera: z in the camera frame at each pixel centre, in units of 0.05 mm; 0 = no surface")]) } ?? .null),
        ])
    }

    /// Writes the capture folder (contract layout: `<id>.png|jpg`, `rig.json`,
    /// `capture.json`), `DIR.truth.json` beside it and, if asked, `DIR.depth/<id>.png`.
    /// Everything is written under temporary names and renamed at the end: a failure
    /// leaves nothing behind. - Throws: `SynthesisError.output` naming the file.
    public func write(to folder: URL, depthMaps: Bool = false) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let name = folder.lastPathComponent
        let truthURL = parent.appendingPathComponent("\(name).truth.json")
        let depthURL = parent.appendingPathComponent("\(name).depth")
        for target in [folder, truthURL] + (depthMaps ? [depthURL] : []) where fm.fileExists(atPath: target.path) {
            throw SynthesisError.outputExists(file: target.path)
        }
        if depthMaps, views.contains(where: { $0.depth == nil }) {
            throw SynthesisError.badOption("depth maps were not rendered (set RenderOptions.depth)")
        }
        let staging = parent.appendingPathComponent(".\(name).partial-\(UUID().uuidString.prefix(8))")
        let stagingDepth = parent.appendingPathComponent(".\(name).depth.partial-\(UUID().uuidString.prefix(8))")
        do {
            try PrivateFile.makeFolder(staging)
            if depthMaps { try PrivateFile.makeFolder(stagingDepth) }
        } catch {
            throw SynthesisError.output(file: parent.path, problem: "cannot create the output folder (\(error.localizedDescription))")
        }
        var moved: [URL] = []
        do {
            try rig.rig.write(to: staging.appendingPathComponent("rig.json"))
            let manifest: JSONValue = .object([
                ("format", "trinocular.capture/1"), ("subject", "SYNTH"), ("session", .string("synthetic-\(spec.scene.rawValue)")),
                ("region", .string(spec.scene == .face ? "face" : spec.scene == .mounds ? "breast" : "body")),
                ("consent", "publication"),
                ("workingRange", .numbers([spec.rig.subjectDistance - 400, spec.rig.subjectDistance + 200])),
            ])
            try PrivateFile.write(Array(manifest.data()), to: staging.appendingPathComponent("capture.json"))
            for (camera, view) in zip(rig.rig.cameras, views) {
                if let q = spec.jpegQuality {
                    try ImageFile.write(view.image, to: staging.appendingPathComponent("\(camera.id).jpg"), jpegQuality: q)
                } else {
                    try ImageFile.write(view.image, to: staging.appendingPathComponent("\(camera.id).png"))
                }
                if depthMaps, let depth = view.depth {
                    let units = depth.map { z -> UInt16 in
                        guard z.isFinite, z > 0 else { return 0 }
                        return UInt16(min(65535, (Double(z) / SyntheticCapture.depthUnitMm).rounded()))
                    }
                    try ImageFile.write(Image(width: view.image.width, height: view.image.height, layout: .gray, pixels: units),
                                        to: stagingDepth.appendingPathComponent("\(camera.id).png"))
                }
            }
            let truthStaging = parent.appendingPathComponent(".\(name).truth.partial.json")
            try PrivateFile.write(Array(truth(depthFolder: depthMaps ? "\(name).depth" : nil).data()), to: truthStaging)
            try fm.moveItem(at: staging, to: folder)
            moved.append(folder)
            if depthMaps { try fm.moveItem(at: stagingDepth, to: depthURL); moved.append(depthURL) }
            try fm.moveItem(at: truthStaging, to: truthURL)
        } catch {
            for url in moved { try? fm.removeItem(at: url) }
            try? fm.removeItem(at: staging)
            try? fm.removeItem(at: stagingDepth)
            try? fm.removeItem(at: parent.appendingPathComponent(".\(name).truth.partial.json"))
            if let e = error as? SynthesisError { throw e }
            throw SynthesisError.output(file: folder.path, problem: "cannot write (\(error))")
        }
    }
}
