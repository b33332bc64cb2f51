import Foundation
import Geometry
import Imaging
import Interchange
import Parallelism

/// Calibrates a rig from a calibration image folder: detection in every image (in
/// parallel), the views where the board is missing or cut off skipped with a warning, then
/// single-camera or rig calibration and the uncertainty report.
public struct CalibrationRun: Sendable {
    public var result: RigCalibrationResult
    public var board: BoardDefinition
    /// Views skipped, per camera, with why.
    public var skipped: [String: [(view: String, reason: String)]]
    /// The median distance (mm) from the first camera to the boards it saw.
    public var workingDistance: Double
    /// The error the calibration alone contributes at `workingDistance`.
    public var triangulationError: CalibrationErrorEstimate?

    public init(folder: URL, board override: BoardDefinition? = nil, options: CameraCalibrationOptions = .init(),
                progress: ((String) -> Void)? = nil) throws {
        let images = try CalibrationImageFolder(folder)
        guard let board = override ?? images.board else {
            throw CalibrationInputError(file: folder.appendingPathComponent("board.json").path,
                                        problem: "no board definition; add board.json or pass --board COLSxROWS --square MM")
        }
        self.board = board
        let detector = ChessboardDetector(innerColumns: board.innerColumns, innerRows: board.innerRows)
        var observations: [CameraObservations] = []
        var skipped: [String: [(view: String, reason: String)]] = [:]
        // Every camera's images in one parallel pass: both cores stay busy to the last image.
        let files = images.cameras.flatMap { $0.files.map(\.url) }
        let detected = try Parallel.map(iterations: files.count) { k -> Result<ImageDetection, CalibrationInputError> in
            do {
                let image = try ImageFile.read(files[k]).eightBit
                return .success(ImageDetection(width: image.width, height: image.height, detection: detector.detect(image)))
            } catch let e as ImageError {
                return .failure(CalibrationInputError(file: e.file, problem: e.problem))
            } catch {
                return .failure(CalibrationInputError(file: files[k].path, problem: "\(error)"))
            }
        }.map { try $0.get() }
        var first = 0
        for camera in images.cameras {
            let outcomes = detected[first..<(first + camera.files.count)].map { ($0.width, $0.height, $0.detection) }
            first += camera.files.count
            var size: (Int, Int)?
            var views: [BoardView] = []
            for (k, file) in camera.files.enumerated() {
                let (w, h, detection) = outcomes[k]
                if let size, size != (w, h) {
                    throw CalibrationInputError(file: file.url.path, problem: "is \(w)×\(h) but \(camera.id)'s other images are \(size.0)×\(size.1); one camera, one image size")
                }
                size = (w, h)
                switch detection {
                case let .found(corners):
                    views.append(BoardView(name: file.view, corners: corners))
                    progress?("\(camera.id)/\(file.url.lastPathComponent): \(corners.count) corners")
                case let .partial(n):
                    skipped[camera.id, default: []].append((file.view, "board only partly visible (\(n) of \(board.innerColumns * board.innerRows) corners)"))
                    progress?("\(camera.id)/\(file.url.lastPathComponent): board only partly visible — skipped")
                case .notFound:
                    skipped[camera.id, default: []].append((file.view, "board not found"))
                    progress?("\(camera.id)/\(file.url.lastPathComponent): board not found — skipped")
                }
            }
            guard !views.isEmpty else {
                throw CalibrationInputError(file: folder.appendingPathComponent(camera.id).path,
                                            problem: "the \(board.innerColumns)×\(board.innerRows) board was found in none of its \(camera.files.count) images; check --board (inner corners, not squares)")
            }
            observations.append(CameraObservations(id: camera.id, imageWidth: size!.0, imageHeight: size!.1, views: views))
        }
        self.skipped = skipped
        let solved = try RigCalibrator.calibrate(objectPoints: board.objectPoints, cameras: observations, options: options, progress: progress)
        result = solved
        let centre = SIMD3(Double(board.innerColumns - 1) * board.squareMm / 2, Double(board.innerRows - 1) * board.squareMm / 2, 0)
        let distances = solved.boardPoses.values.map { pose -> Double in
            let p = solved.rig.cameras[0].camFromWorld.apply(pose.apply(centre))
            return (p * p).sum().squareRoot()
        }.sorted()
        let median = distances[distances.count / 2]
        workingDistance = median
        triangulationError = solved.triangulationError(atDistance: median)
    }

    /// The calibrated rig with the residuals and uncertainties in its `calibration` object.
    public var rig: Rig {
        var rig = result.rig
        let views = Set(result.boardPoses.keys).count
        var perCamera: [(String, JSONValue)] = []
        for camera in rig.cameras {
            let sd = result.intrinsicDeviations[camera.id] ?? []
            perCamera.append((camera.id, .object([
                ("rmsReprojectionPx", .number(result.cameraRMS[camera.id] ?? .nan)),
                ("views", .int(result.viewsUsed[camera.id] ?? 0)),
                ("skipped", .array((skipped[camera.id] ?? []).map { .object([("view", .string($0.view)), ("reason", .string($0.reason))]) })),
                ("flagged", .array((result.flaggedViews[camera.id] ?? []).map { view in
                    .object([("view", .string(view)), ("rmsReprojectionPx", .number(result.viewRMS[camera.id]?[view] ?? .nan))])
                })),
                ("standardDeviations", .object(zip(["fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2", "k3"], sd).map { ($0, .number($1)) })),
            ])))
        }
        rig.calibration = .object([
            ("rmsReprojectionPx", .number(result.rms)),
            ("views", .int(views)),
            ("board", .string(board.summary)),
            ("cameras", .object(perCamera)),
            ("workingDistanceMm", .number(workingDistance)),
            ("triangulationErrorMm", triangulationError.map { .number($0.position) } ?? .null),
            ("distanceErrorMm", triangulationError.map { .number($0.distance) } ?? .null),
            ("distanceErrorSpanMm", triangulationError.map { .number($0.span) } ?? .null),
            ("note", "standard deviations from the covariance at the optimum; at the working distance, the calibration alone adds triangulationErrorMm (RMS 3D displacement of a point in the first camera's frame) and distanceErrorMm (RMS error of a distance between two points up to distanceErrorSpanMm apart)"),
        ])
        return rig
    }
}

/// One image's size and what detection found in it.
struct ImageDetection: Sendable {
    var width: Int, height: Int
    var detection: ChessboardDetector.Detection
}
