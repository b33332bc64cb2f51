import Foundation
import Geometry
import Imaging
import Interchange
import LinearAlgebra

/// A checkerboard target: `innerColumns × innerRows` inner corners, squares of `squareMm`.
/// Board frame (OpenCV's object points): inner corner (i, j) at (i·s, j·s, 0), x along the
/// columns, y along the rows, z into the board; its printed face looks towards −z.
public struct Checkerboard: Sendable, Equatable {
    public var innerColumns: Int = 9
    public var innerRows: Int = 6
    public var squareMm: Double = 25

    public init(innerColumns: Int = 9, innerRows: Int = 6, squareMm: Double = 25) {
        self.innerColumns = innerColumns; self.innerRows = innerRows; self.squareMm = squareMm
    }

    /// The inner corners in the board frame, row-major with x fastest (OpenCV's order).
    public var objectPoints: [SIMD3<Double>] {
        (0..<innerRows).flatMap { j in (0..<innerColumns).map { i in SIMD3(Double(i) * squareMm, Double(j) * squareMm, 0) } }
    }

    /// The printed sheet's corners (squares plus a white margin of one square), board frame.
    public var outline: [SIMD3<Double>] {
        let s = squareMm
        let x0 = -2 * s, x1 = Double(innerColumns + 1) * s, y0 = -2 * s, y1 = Double(innerRows + 1) * s
        return [SIMD3(x0, y0, 0), SIMD3(x1, y0, 0), SIMD3(x1, y1, 0), SIMD3(x0, y1, 0)]
    }

    /// The centre of the inner-corner grid, board frame.
    public var centre: SIMD3<Double> {
        SIMD3(Double(innerColumns - 1) * squareMm / 2, Double(innerRows - 1) * squareMm / 2, 0)
    }

    /// `board.json` as the contract writes it.
    public var json: JSONValue {
        .object([("type", "checkerboard"), ("innerCorners", .ints([innerColumns, innerRows])), ("squareMm", .number(squareMm))])
    }
}

/// A checkerboard in the subject frame, for the renderer: a finite plane with a printed pattern.
struct CheckerboardScene: SceneSurface {
    var board: Checkerboard
    /// subjectFromBoard.
    var pose: RigidTransform

    func intersect(origin: SIMD3<Double>, direction: SIMD3<Double>) -> SurfaceHit? {
        let r = pose.rotation.matrix
        let normal = -r.column2  // the printed face
        let denom = dot(direction, normal)
        guard denom < -1e-12 else { return nil }  // seen from the front only
        let s = dot(pose.translation - origin, normal) / denom
        guard s > 0 else { return nil }
        let p = origin + s * direction
        let b = r.transposed * (p - pose.translation)
        let sq = board.squareMm
        guard b.x >= -2 * sq, b.x <= Double(board.innerColumns + 1) * sq,
              b.y >= -2 * sq, b.y <= Double(board.innerRows + 1) * sq else { return nil }
        return SurfaceHit(distance: s, point: p, normal: normal)
    }

    func albedo(at p: SIMD3<Double>) -> Double? {
        let b = pose.rotation.matrix.transposed * (p - pose.translation)
        let sq = board.squareMm
        guard b.x >= -sq, b.x < Double(board.innerColumns) * sq, b.y >= -sq, b.y < Double(board.innerRows) * sq else {
            return 0.9  // white margin
        }
        let a = Int((b.x / sq).rounded(.down)), c = Int((b.y / sq).rounded(.down))
        return (a + c) & 1 == 0 ? 0.06 : 0.9
    }

    var truth: JSONValue { .null }
    func samplePoints(count: Int, seed: UInt64) -> [SIMD3<Double>] { board.objectPoints.map(pose.apply) }
}

/// What to render for a calibration set.
public struct CalibrationSpec: Sendable {
    public var board = Checkerboard()
    public var rig = SyntheticRigOptions()
    public var render: RenderOptions = {
        var r = RenderOptions()
        r.supersampling = 3
        // The board's printed edges are hard: sample them finely, as a sensor's pixel area
        // integrates them, so that the rendered corners sit where the camera model puts them.
        r.edgeSupersampling = 16
        r.background = 0.25
        return r
    }()
    /// Views seen by every camera.
    public var sharedViews = 12
    /// Views per camera that reach its image corners.
    public var cornerViewsPerCamera = 4
    /// Board distance from the rig, mm.
    public var distanceRange: ClosedRange<Double> = 700...1300
    /// Largest tilt of the board from facing the rig, degrees.
    public var maximumTiltDegrees: Double = 35
    public var jpegQuality: Int? = nil

    public init() {}

    public func validate() throws {
        try rig.validate()
        try render.validate()
        guard sharedViews >= 0, cornerViewsPerCamera >= 0, sharedViews + cornerViewsPerCamera > 0, sharedViews <= 500, cornerViewsPerCamera <= 100 else {
            throw SynthesisError.badOption("views must be 0…500 shared and 0…100 per camera, and at least one in all")
        }
        guard board.squareMm > 0, board.innerColumns >= 2, board.innerRows >= 2 else { throw SynthesisError.badOption("the board needs ≥ 2×2 inner corners and a positive square size") }
        if let q = jpegQuality, !(1...100).contains(q) { throw SynthesisError.badOption("JPEG quality must be 1…100") }
    }
}

/// One view of the board: its pose and the cameras that photographed it.
public struct CalibrationView: Sendable {
    public var name: String
    /// worldFromBoard, in the rig's world frame (mm).
    public var worldFromBoard: RigidTransform
    public var cameraIDs: [String]
    /// The rendered images by camera id.
    public var images: [String: Image<UInt8>]
}

/// A rendered calibration image set with the true rig and board poses.
public struct CalibrationSet: Sendable {
    public var spec: CalibrationSpec
    public var rig: SyntheticRig
    public var views: [CalibrationView]

    public var imageCount: Int { views.map(\.images.count).reduce(0, +) }

    public init(_ spec: CalibrationSpec, progress: ((String) -> Void)? = nil) throws {
        try spec.validate()
        self.spec = spec
        rig = try SyntheticRig(spec.rig)
        views = []
        var random = SplitMix(seed: spec.render.seed ^ 0xCA1_1B2A7E)
        let cameras = rig.rig.cameras
        var plans: [(RigidTransform, [Int])] = []  // subjectFromBoard, camera indices
        // Shared views: every camera sees the whole sheet.
        var attempts = 0
        while plans.count < spec.sharedViews {
            attempts += 1
            guard attempts < 100_000 else { throw SynthesisError.badOption("could not place the board in view of every camera; use fewer cameras or a smaller board") }
            let pose = samplePose(&random, towards: nil, camera: nil)
            if cameras.indices.allSatisfy({ sees(cameras[$0], pose, margin: 0.02) }) { plans.append((pose, Array(cameras.indices))) }
        }
        // Corner views: one camera, the board reaching one of its image corners in turn.
        for (index, camera) in cameras.enumerated() {
            var made = 0
            attempts = 0
            while made < spec.cornerViewsPerCamera {
                attempts += 1
                guard attempts < 100_000 else { throw SynthesisError.badOption("could not place the board in \(camera.id)'s image corners") }
                let corner = made % 4
                let target = SIMD2(corner % 2 == 0 ? 0.18 : 0.82, corner < 2 ? 0.2 : 0.8) * SIMD2(Double(camera.camera.imageWidth), Double(camera.camera.imageHeight))
                let pose = samplePose(&random, towards: target, camera: camera)
                if sees(camera, pose, margin: 0.005), reachesCorner(camera, pose, corner: corner) {
                    plans.append((pose, [index]))
                    made += 1
                }
            }
        }
        let subjectFromWorld = rig.subjectFromWorld
        var views: [CalibrationView] = []
        for (n, plan) in plans.enumerated() {
            let name = String(format: "%03d", n + 1)
            progress?("rendering view \(name) (\(n + 1)/\(plans.count)) for \(plan.1.map { cameras[$0].id }.joined(separator: ", "))")
            let renderer = Renderer(scene: CheckerboardScene(board: spec.board, pose: plan.0), options: spec.render)
            var images: [String: Image<UInt8>] = [:]
            for i in plan.1 {
                images[cameras[i].id] = renderer.render(cameras[i], index: i + 1000 * n, subjectFromWorld: subjectFromWorld).image
            }
            views.append(CalibrationView(name: name, worldFromBoard: rig.worldFromSubject * plan.0,
                                         cameraIDs: plan.1.map { cameras[$0].id }, images: images))
        }
        self.views = views
    }

    /// A board pose (subjectFromBoard) 700–1300 mm from the rig, facing it within the tilt
    /// limit; aimed through `target` pixel of `camera` when given.
    func samplePose(_ g: inout SplitMix, towards target: SIMD2<Double>?, camera: RigCamera?) -> RigidTransform {
        let distance = g.uniform(spec.distanceRange.lowerBound, spec.distanceRange.upperBound)
        let subjectFromWorld = rig.subjectFromWorld
        let centres = rig.rig.cameras.map { subjectFromWorld.apply($0.centre) }
        var eye = centres.reduce(.zero, +) / Double(centres.count)
        var axis = normalize(-eye)  // towards the subject's centre
        if let target, let camera {
            let camToSubject = subjectFromWorld * camera.camFromWorld.inverse
            eye = camToSubject.translation
            let ray = camera.camera.ray(throughPixel: target) ?? SIMD3(0, 0, 1)
            axis = camToSubject.rotation.apply(ray)
        } else {
            // Jitter the aim so the board wanders over the common field of view.
            let jitter = SIMD3(g.uniform(-0.08, 0.08), g.uniform(-0.08, 0.08), 0)
            axis = normalize(axis + jitter)
        }
        let centre = eye + distance * axis
        // Face the rig (board z = away from the rig), then tilt and turn in plane.
        let zAxis = normalize(centre - eye)
        let xAxis = normalize(cross(SIMD3(0, 1, 0), zAxis))
        let yAxis = cross(zAxis, xAxis)
        let base = Matrix3x3(columns: xAxis, yAxis, zAxis)
        let tilt = g.uniform(0, spec.maximumTiltDegrees) * .pi / 180
        let tiltAxisAngle = g.uniform(0, 2 * .pi)
        let tiltVector = tilt * SIMD3(cos(tiltAxisAngle), sin(tiltAxisAngle), 0)
        let spin = g.uniform(-20, 20) * .pi / 180
        let r = base * Rotation(rodrigues: tiltVector).matrix * Rotation(rodrigues: SIMD3(0, 0, spin)).matrix
        let rotation = Rotation(unchecked: r)
        // Place the grid's centre at `centre`.
        return RigidTransform(rotation: rotation, translation: centre - rotation.apply(spec.board.centre))
    }

    /// Whether the whole sheet projects inside the image with a margin (fraction of size)
    /// and its printed face looks at the camera.
    func sees(_ camera: RigCamera, _ subjectFromBoard: RigidTransform, margin: Double) -> Bool {
        let camFromBoard = camera.camFromWorld * rig.worldFromSubject * subjectFromBoard
        let normalInCam = camFromBoard.rotation.matrix.column2
        let centreInCam = camFromBoard.apply(spec.board.centre)
        guard dot(normalInCam, centreInCam) > 0.2 * length(centreInCam) else { return false }  // ≤ ~78° obliquity
        let w = Double(camera.camera.imageWidth), h = Double(camera.camera.imageHeight)
        let edge = [spec.board.outline, spec.board.objectPoints].flatMap { $0 }
        for p in edge {
            guard let px = camera.camera.project(cameraPoint: camFromBoard.apply(p)), camera.camera.unproject(pixel: px) != nil else { return false }
            if px.x < margin * w || px.x > (1 - margin) * w - 1 || px.y < margin * h || px.y > (1 - margin) * h - 1 { return false }
        }
        return true
    }

    /// Whether an inner corner lands within 12 % of the image's size of corner `corner`
    /// (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right).
    func reachesCorner(_ camera: RigCamera, _ subjectFromBoard: RigidTransform, corner: Int) -> Bool {
        let camFromBoard = camera.camFromWorld * rig.worldFromSubject * subjectFromBoard
        let w = Double(camera.camera.imageWidth), h = Double(camera.camera.imageHeight)
        let target = SIMD2(corner % 2 == 0 ? 0 : w - 1, corner < 2 ? 0 : h - 1)
        return spec.board.objectPoints.contains { p in
            guard let px = camera.camera.project(cameraPoint: camFromBoard.apply(p)) else { return false }
            return abs(px.x - target.x) < 0.12 * w && abs(px.y - target.y) < 0.12 * h
        }
    }

    /// The true rig with the views' board poses in its informative `calibration` object.
    public var truthRig: Rig {
        var truth = rig.rig
        truth.calibration = .object([
            ("source", "synthetic: trinocular synth calibration (exact)"),
            ("board", spec.board.json),
            ("seed", .int(Int(truncatingIfNeeded: spec.render.seed))),
            ("views", .array(views.map { v in
                .object([("name", .string(v.name)), ("cameras", .array(v.cameraIDs.map { .string($0) })),
                         ("worldFromBoard", .object([("R", .numbers(v.worldFromBoard.rotation.matrix.rowMajor)),
                                                     ("t", .numbers([v.worldFromBoard.translation.x, v.worldFromBoard.translation.y, v.worldFromBoard.translation.z]))]))])
            })),
        ])
        return truth
    }

    /// Writes DIR/board.json and DIR/<camera>/<view>.png|jpg (contract layout), then
    /// DIR.truth-rig.json beside it; temporary names, renamed at the end.
    public func write(to folder: URL) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent(), name = folder.lastPathComponent
        let truthURL = parent.appendingPathComponent("\(name).truth-rig.json")
        for target in [folder, truthURL] where fm.fileExists(atPath: target.path) {
            throw SynthesisError.outputExists(file: target.path)
        }
        let staging = parent.appendingPathComponent(".\(name).partial-\(UUID().uuidString.prefix(8))")
        let truthStaging = parent.appendingPathComponent(".\(name).truth-rig.partial.json")
        var moved = false
        do {
            try PrivateFile.makeFolder(staging)
            try PrivateFile.write(Array(spec.board.json.data()), to: staging.appendingPathComponent("board.json"))
            for camera in rig.rig.cameras {
                let sub = staging.appendingPathComponent(camera.id)
                try PrivateFile.makeFolder(sub)
                for view in views {
                    guard let image = view.images[camera.id] else { continue }
                    let ext = spec.jpegQuality == nil ? "png" : "jpg"
                    try ImageFile.write(image, to: sub.appendingPathComponent("\(view.name).\(ext)"), jpegQuality: spec.jpegQuality ?? 95)
                }
            }
            try truthRig.write(to: truthStaging)
            try fm.moveItem(at: staging, to: folder)
            moved = true
            try fm.moveItem(at: truthStaging, to: truthURL)
        } catch {
            if moved { try? fm.removeItem(at: folder) }
            try? fm.removeItem(at: staging)
            try? fm.removeItem(at: truthStaging)
            throw SynthesisError.output(file: folder.path, problem: "cannot write (\(error))")
        }
    }
}
