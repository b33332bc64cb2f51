import Foundation
import Interchange
import Imaging

/// A calibration image folder cannot be used: names the file and the problem (exit 2).
public typealias CalibrationInputError = FileProblem

/// A checkerboard definition, as `board.json` holds it:
/// `{"type": "checkerboard", "innerCorners": [9, 6], "squareMm": 25.0}`.
public struct BoardDefinition: Sendable, Equatable {
    public var innerColumns: Int
    public var innerRows: Int
    public var squareMm: Double

    public init(innerColumns: Int, innerRows: Int, squareMm: Double) {
        self.innerColumns = innerColumns; self.innerRows = innerRows; self.squareMm = squareMm
    }

    /// Inner corners in the board frame: (i·s, j·s, 0), row by row, x fastest (OpenCV's order).
    public var objectPoints: [SIMD3<Double>] {
        (0..<innerRows).flatMap { j in (0..<innerColumns).map { i in SIMD3(Double(i) * squareMm, Double(j) * squareMm, 0) } }
    }

    public var summary: String { "checkerboard \(innerColumns)x\(innerRows) \(squareMm)mm" }

    /// Reads `board.json`. - Throws: `CalibrationInputError` naming the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        data = try InputLimits.read(url, what: "a board definition")
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CalibrationInputError(file: url.path, problem: "not valid JSON; expected {\"type\": \"checkerboard\", \"innerCorners\": [9, 6], \"squareMm\": 25.0}")
        }
        if let type = object["type"] as? String, type != "checkerboard" {
            throw CalibrationInputError(file: url.path, problem: "board type \"\(type.excerpt())\" is not supported; use \"checkerboard\"")
        }
        guard let corners = object["innerCorners"] as? [NSNumber], corners.count == 2,
              let square = object["squareMm"] as? NSNumber else {
            throw CalibrationInputError(file: url.path, problem: "needs \"innerCorners\": [columns, rows] and \"squareMm\"")
        }
        // Through Double: a count of 1e300 must be refused, not converted.
        let counts = corners.map(\.doubleValue)
        guard counts.allSatisfy({ $0 == $0.rounded() && (2...50).contains($0) }) else {
            throw CalibrationInputError(file: url.path, problem: "inner corners must be whole numbers 2…50 each way")
        }
        try self.init(validating: Int(counts[0]), Int(counts[1]), square.doubleValue, file: url.path)
    }

    /// From `--board 9x6 --square 25`.
    public init(validating columns: Int, _ rows: Int, _ square: Double, file: String = "--board") throws {
        guard (2...50).contains(columns), (2...50).contains(rows) else {
            throw CalibrationInputError(file: file, problem: "inner corners must be 2…50 each way, got \(columns)x\(rows)")
        }
        guard square > 0, square.isFinite else { throw CalibrationInputError(file: file, problem: "the square size must be positive (mm)") }
        self.init(innerColumns: columns, innerRows: rows, squareMm: square)
    }
}

/// The contract's calibration image folder: `board.json` and one sub-folder per camera,
/// `<camera>/<view>.png|jpg|jpeg`; the same view name in several cameras is one instant.
public struct CalibrationImageFolder: Sendable {
    public struct CameraImages: Sendable {
        public var id: String
        /// Image files by view name, sorted.
        public var files: [(view: String, url: URL)]
    }

    public var folder: URL
    public var board: BoardDefinition?
    public var cameras: [CameraImages]

    /// Lists the folder. - Throws: `CalibrationInputError` for a missing folder, no camera
    /// sub-folders, a board.json that does not parse.
    public init(_ folder: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CalibrationInputError(file: folder.path, problem: "no such calibration image folder")
        }
        self.folder = folder
        let boardURL = folder.appendingPathComponent("board.json")
        board = fm.fileExists(atPath: boardURL.path) ? try BoardDefinition(contentsOf: boardURL) : nil
        let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var cameras: [CameraImages] = []
        for name in names {
            var sub: ObjCBool = false
            let url = folder.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path, isDirectory: &sub), sub.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter {
                ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".")
            }.sorted()
            guard !files.isEmpty else { continue }
            cameras.append(CameraImages(id: name, files: files.map { (($0 as NSString).deletingPathExtension, url.appendingPathComponent($0)) }))
        }
        guard !cameras.isEmpty else {
            throw CalibrationInputError(file: folder.path, problem: "no camera sub-folders with images; expected <camera>/<view>.png (e.g. cam0/001.png)")
        }
        self.cameras = cameras
    }
}
