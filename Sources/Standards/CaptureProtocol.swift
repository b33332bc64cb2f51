import Foundation
import Interchange

/// A clinical photography protocol for one region (`trinocular.protocol/1`, the files in
/// `protocols/`): what a standardized capture must be — resolution, backdrop, framing, the
/// views of a 2D series. `trinocular check` measures a capture against it (issue 21).
public struct CaptureProtocol: Codable, Sendable, Equatable {
    public struct Backdrop: Codable, Sendable, Equatable {
        public var name: String
        /// sRGB, 0…255.
        public var rgb: [Double]
    }

    public var format = "trinocular.protocol/1"
    public var name: String
    /// The `capture.json` regions it applies to.
    public var regions: [String]
    /// Pixels per image, millions.
    public var minimumMegapixels: Double
    /// The recommended camera-to-subject distance of 2D photographs (mm).
    public var cameraDistanceMm: Double
    public var backdrop: Backdrop
    public var framing: String
    /// The image borders the subject must stay clear of, with backdrop between (`left`,
    /// `right`, `top`, `bottom`); the others may cut it (a torso continues below the frame).
    /// Absent: left and right.
    public var clearOfBorders: [String]?
    public var views: [String]
    public var source: String

    static let thornton = "Thornton et al., Aesthetic Surgery Journal Open Forum 2024 (doi:10.1093/asjof/ojae012)"
    static let lightBlue = Backdrop(name: "light blue", rgb: [150, 190, 230])

    /// The three protocols of `protocols/`, built in (a test keeps the two the same).
    public static let builtIn: [CaptureProtocol] = [
        CaptureProtocol(name: "breast", regions: ["breast", "chest", "torso"], minimumMegapixels: 5, cameraDistanceMm: 1500, backdrop: lightBlue,
                        framing: "clavicles to the anterior superior iliac spines", clearOfBorders: ["left", "right"],
                        views: ["anterior", "right-oblique-45", "left-oblique-45", "right-lateral-90", "left-lateral-90",
                                "anterior-hands-on-head", "right-oblique-45-hands-on-head", "left-oblique-45-hands-on-head",
                                "right-lateral-90-hands-on-head", "left-lateral-90-hands-on-head"],
                        source: thornton + ": full series of 10, hands on hips then on the head"),
        CaptureProtocol(name: "face", regions: ["face", "head", "nose"], minimumMegapixels: 5, cameraDistanceMm: 1500, backdrop: lightBlue,
                        framing: "full face, ears at the vertical midline, lower border at the clavicles", clearOfBorders: ["left", "right", "top"],
                        views: ["frontal", "right-oblique-45", "left-oblique-45", "right-lateral-90", "left-lateral-90", "worms-eye", "down-and-across"],
                        source: thornton + ": obliques and laterals by turning the whole body; worm's-eye view for the nose"),
        CaptureProtocol(name: "abdomen", regions: ["abdomen"], minimumMegapixels: 5, cameraDistanceMm: 1500, backdrop: lightBlue,
                        framing: "chest to anterior thighs, groin included", clearOfBorders: ["left", "right"],
                        views: ["frontal", "frontal-zoomed-inframammary-fold-to-thighs", "posterior", "right-lateral-90-arms-flexed",
                                "left-lateral-90-arms-flexed", "divers"],
                        source: thornton + ": laterals with arms at 90° elbow flexion; diver's view with hands on buttocks, 20–30° hip flexion, face out of frame"),
    ]

    /// The borders to keep clear (`clearOfBorders`, or left and right).
    public var bordersToKeepClear: [String] { clearOfBorders ?? ["left", "right"] }

    /// The built-in protocol for a capture's region (`capture.json` `region`), if any.
    public static func forRegion(_ region: String) -> CaptureProtocol? {
        builtIn.first { $0.regions.contains(region.lowercased()) }
    }

    /// `--protocol NAME|PATH`: a built-in protocol by name, else a protocol file.
    /// - Throws: `FileProblem` naming the file (or the name) and the problem.
    public static func named(_ nameOrPath: String) throws -> CaptureProtocol {
        if let p = builtIn.first(where: { $0.name == nameOrPath }) { return p }
        guard nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") else {
            throw FileProblem(file: "--protocol", problem: "no protocol '\(nameOrPath.excerpt())' (built in: \(builtIn.map(\.name).joined(separator: ", ")); or give a trinocular.protocol/1 file)")
        }
        let url = URL(fileURLWithPath: nameOrPath)
        let p = try ReportCoding.decode(CaptureProtocol.self, from: try InputLimits.read(url, what: "a protocol"), file: url.path, what: "a capture protocol (trinocular.protocol/1)")
        try p.validate(file: url.path)
        return p
    }

    /// - Throws: `FileProblem` naming `file` for a wrong format, resolution or colour.
    public func validate(file: String) throws {
        guard format == "trinocular.protocol/1" else { throw FileProblem(file: file, problem: "\"format\" must be \"trinocular.protocol/1\"") }
        guard minimumMegapixels > 0, minimumMegapixels <= 1000 else { throw FileProblem(file: file, problem: "\"minimumMegapixels\" must be 0 < MP ≤ 1000") }
        guard cameraDistanceMm > 0, cameraDistanceMm.isFinite else { throw FileProblem(file: file, problem: "\"cameraDistanceMm\" must be a positive number of mm") }
        if let b = clearOfBorders, let wrong = b.first(where: { !["left", "right", "top", "bottom"].contains($0) }) {
            throw FileProblem(file: file, problem: "\"clearOfBorders\" lists '\(wrong.excerpt())': the borders are left, right, top, bottom")
        }
        guard backdrop.rgb.count == 3, backdrop.rgb.allSatisfy({ (0...255).contains($0) }) else {
            throw FileProblem(file: file, problem: "\"backdrop\".\"rgb\" must be three numbers 0…255")
        }
    }
}
