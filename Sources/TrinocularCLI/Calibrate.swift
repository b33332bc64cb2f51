import ArgumentParser
import Calibration
import Foundation
import Geometry
import Interchange
import LinearAlgebra

/// `trinocular calibrate IMAGES-FOLDER --out rig.json`.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate a rig from checkerboard images: intrinsics, distortion, camera poses, uncertainty.",
        discussion: """
            IMAGES-FOLDER holds board.json and one sub-folder per camera (cam0/001.png, \
            cam1/001.png…); the same file name in several sub-folders is one instant seen by \
            those cameras. One sub-folder calibrates one camera. Views where the board is not \
            found or only partly visible are skipped with a warning. Shoot 15–25 views per \
            camera: the board tilted up to ~35° in different directions, filling the image's \
            corners in some views, at the working distance. See calibration/README.md.

            The rig file (world = the first camera's frame, mm) records the RMS reprojection \
            error, per-camera residuals, standard deviations of every intrinsic parameter and \
            the 3D error the calibration alone adds at the working distance.
            """)

    @Argument(help: ArgumentHelp("Calibration image folder.", valueName: "IMAGES-FOLDER"))
    var images: String

    @Option(help: ArgumentHelp("Rig file to write.", valueName: "rig.json"))
    var out: String

    @Option(help: ArgumentHelp("Inner corners, columns x rows (overrides board.json).", valueName: "COLSxROWS"))
    var board: String?

    @Option(help: ArgumentHelp("Square size in mm (with --board).", valueName: "MM"))
    var square: Double?

    @Flag(help: "Also estimate k3 (by default k3 = 0, as OpenCV's CALIB_FIX_K3).")
    var k3 = false

    @Flag(help: "Replace an existing rig file.")
    var force = false

    @Flag(help: "Print the summary as one JSON document on stdout.")
    var json = false

    func validate() throws {
        if board != nil, square == nil { throw ValidationError("--board needs --square MM") }
        if square != nil, board == nil { throw ValidationError("--square needs --board COLSxROWS") }
    }

    func run() throws {
        var definition: BoardDefinition?
        if let board, let square {
            let parts = board.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--board must be COLSxROWS inner corners, e.g. 9x6") }
            definition = try BoardDefinition(validating: parts[0], parts[1], square)
        }
        let outURL = URL(fileURLWithPath: out)
        if FileManager.default.fileExists(atPath: outURL.path), !force {
            throw CalibrationInputError(file: outURL.path, problem: "already exists; pass --force to replace it or choose another --out")
        }
        var options = CameraCalibrationOptions()
        options.fixK3 = !k3
        let started = Date()
        BLASThreads.set(1)  // detection keeps both cores busy; the solve's matrices are small
        let run = try CalibrationRun(folder: URL(fileURLWithPath: images), board: definition, options: options) { progress($0) }
        let rig = run.rig
        try rig.write(to: outURL)
        progress(String(format: "wrote %@ in %.1f s", outURL.path, Date().timeIntervalSince(started)))
        warnings(run)
        if json {
            FileHandle.standardOutput.write(JSONValue.object([("rig", .string(outURL.path)), ("calibration", rig.calibration ?? .null)]).data())
            return
        }
        print("Calibration: \(run.board.summary), \(run.result.boardPoses.count) views, RMS \(fmt(run.result.rms, 3)) px")
        print("")
        print("camera  views  RMS px    fx ± σ            fy ± σ            cx ± σ          cy ± σ          k1       k2")
        for camera in rig.cameras {
            let k = camera.camera.intrinsics, d = camera.camera.distortion
            let sd = run.result.intrinsicDeviations[camera.id] ?? Array(repeating: .nan, count: 9)
            let columns: [String] = [
                camera.id.padding(toLength: 7, withPad: " ", startingAt: 0),
                String(run.result.viewsUsed[camera.id] ?? 0).padding(toLength: 6, withPad: " ", startingAt: 0),
                fmt(run.result.cameraRMS[camera.id] ?? .nan, 3).padding(toLength: 9, withPad: " ", startingAt: 0),
                "\(fmt(k.fx)) ± \(fmt(sd[0]))".padding(toLength: 18, withPad: " ", startingAt: 0),
                "\(fmt(k.fy)) ± \(fmt(sd[1]))".padding(toLength: 18, withPad: " ", startingAt: 0),
                "\(fmt(k.cx)) ± \(fmt(sd[2]))".padding(toLength: 16, withPad: " ", startingAt: 0),
                "\(fmt(k.cy)) ± \(fmt(sd[3]))".padding(toLength: 16, withPad: " ", startingAt: 0),
                fmt(d.k1, 4).padding(toLength: 9, withPad: " ", startingAt: 0),
                fmt(d.k2, 4),
            ]
            print(columns.joined(separator: ""))
        }
        if rig.cameras.count > 1 {
            print("")
            for camera in rig.cameras.dropFirst() {
                let first = rig.cameras[0].id
                let angle = rig.relativePose(from: first, to: camera.id)!.rotation.angle * 180 / .pi
                print("\(first)→\(camera.id): baseline \(fmt(rig.baseline(first, camera.id)!, 2)) mm, rotation \(fmt(angle, 3))°")
            }
        }
        if let e = run.triangulationError {
            print("")
            print("From the calibration alone, at \(fmt(run.workingDistance, 0)) mm: a point moves \(fmt(e.position, 3)) mm RMS; " +
                  "a distance (up to \(fmt(e.span, 0)) mm) is off by \(fmt(e.distance, 3)) mm RMS")
        }
    }

    /// Skipped and flagged views, on stderr whatever the output mode.
    func warnings(_ run: CalibrationRun) {
        for (camera, views) in run.skipped.sorted(by: { $0.key < $1.key }) {
            for v in views { FileHandle.standardError.write(Data("warning: \(camera)/\(v.view): \(v.reason)\n".utf8)) }
        }
        for (camera, views) in run.result.flaggedViews.sorted(by: { $0.key < $1.key }) {
            let median = (run.result.viewRMS[camera] ?? [:]).values.sorted()
            for v in views {
                let rms = run.result.viewRMS[camera]?[v] ?? .nan
                FileHandle.standardError.write(Data("warning: \(camera)/\(v): RMS \(fmt(rms, 3)) px, over \(Int(OutlierViews.ratio))× the median view's \(fmt(median[median.count / 2], 3)) px — the board moved, bent or was mis-detected; reshoot or remove this view\n".utf8))
            }
        }
    }
}
