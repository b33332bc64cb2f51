import ArgumentParser
import Foundation
import Geometry
import Interchange
import Synthesis

/// `trinocular synth`: synthetic captures and calibration sets with known ground truth.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render synthetic captures and calibration sets with exact ground truth.",
        discussion: """
            A virtual rig (three 5 MP cameras on an arc 18° apart, ~1000 mm from the skin, \
            OpenCV lens distortion) photographs surfaces whose shape, area and volume are known. \
            The rig file written is the true one. Same seed, same bytes.
            """,
        subcommands: [SynthCapture.self, SynthCalibration.self, SynthScenes.self])
}

/// Options shared by both kinds of synthetic output.
struct SynthRigOptions: ParsableArguments {
    @Option(help: "Seed for the rig's lenses, the scene and the sensor noise.")
    var seed: UInt64 = 1

    @Option(help: "Image size multiplier: 1 = 2448×2048 (5 MP), 0.25 = 612×512 for quick looks.")
    var scale: Double = 1

    @Option(help: "Sensor noise σ in grey levels (0…50).")
    var noise: Double = 1

    @Option(help: "Camera layout: arc (in front of the subject), pods (pods of two cameras one above the other, on an arc; VECTRA-XT-like) or surround (three rings all around).")
    var layout: String = "arc"

    @Option(help: "Cameras on the arc (pods for pods, cameras per ring for surround).")
    var cameras: Int?

    @Option(name: .customLong("arc-step"), help: ArgumentHelp("Degrees between neighbouring cameras (pods) on the arc; default 18 (40 for pods).", valueName: "DEG"))
    var arcStep: Double?

    @Option(help: "Samples per pixel along each axis (anti-aliasing).")
    var supersampling: Int?

    func rigOptions() throws -> SyntheticRigOptions {
        var o = SyntheticRigOptions()
        guard let l = SyntheticRigOptions.Layout(rawValue: layout) else {
            throw ValidationError("--layout must be arc, pods or surround, got \(layout)")
        }
        o.layout = l
        o.cameraCount = cameras ?? [.arc: 3, .pods: 3, .surround: 8][l]!
        o.arcStepDegrees = arcStep ?? (l == .pods ? 40 : 18)
        o.scale = scale
        o.seed = seed
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        return o
    }
}

struct SynthCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Write a synthetic capture folder, its true rig and DIR.truth.json beside it.",
        discussion: "Scenes: \(SceneName.allCases.map { "\($0.rawValue) — \($0.summary)" }.joined(separator: "; ")).")

    @Option(help: ArgumentHelp("Scene to photograph.", valueName: "NAME"))
    var scene: String = "mounds"

    @Option(help: ArgumentHelp("Capture folder to create (must not exist).", valueName: "DIR"))
    var out: String

    @OptionGroup var rig: SynthRigOptions

    @Option(help: "Write JPEG at this quality (1…100) instead of PNG.")
    var jpeg: Int?

    @Flag(help: "Tint the skin (RGB images) instead of gray.")
    var tint = false

    @Option(help: ArgumentHelp("The backdrop behind the subject: grey (dim, the default), light-blue (the clinical protocols'), or R,G,B (0…255); a colour makes the images RGB.", valueName: "COLOUR"))
    var backdrop: String = "grey"

    @Flag(help: "Also write per-pixel depth maps (DIR.depth/<camera>.png, 16-bit, 0.05 mm units).")
    var depth = false

    @Option(help: ArgumentHelp("Seed the sensor noise alone (default: --seed): a repeat of one session, same subject and skin, new noise.", valueName: "N"))
    var noiseSeed: UInt64?

    @Option(help: ArgumentHelp("Turn the subject about its vertical axis by this many degrees before the shot (a second visit's pose).", valueName: "DEG"))
    var turn: Double = 0

    @Option(help: ArgumentHelp("Move the subject by X,Y,Z mm (x right, y down, z away from the rig) before the shot: out of the working range, or cut by an image border.", valueName: "X,Y,Z"))
    var shift: String?

    @OptionGroup(title: "Realism (what real skin, lenses and flashes do)") var realism: SynthRealismOptions

    func run() throws {
        guard let name = SceneName(rawValue: scene) else { throw ValidationError("\(SynthesisError.unknownScene(scene))") }
        var spec = CaptureSpec(scene: name)
        spec.rig = try rig.rigOptions()
        spec.render.seed = rig.seed
        spec.render.noiseSigma = rig.noise
        if let s = rig.supersampling { spec.render.supersampling = s }
        spec.render.tint = tint ? RenderOptions.skinTint : nil
        spec.render.backdrop = try Self.backdropColour(backdrop)
        spec.render.depth = depth
        spec.jpegQuality = jpeg
        spec.subjectMotion = try Self.motion(turn: turn, shift: shift)
        spec.render.noiseSeed = noiseSeed
        try realism.apply(to: &spec, noiseGiven: rig.noise != 1, jpegGiven: jpeg != nil)
        do { try spec.validate() } catch { throw ValidationError("\(error)") }
        let started = Date()
        let capture = try SyntheticCapture(spec) { progress($0) }
        let url = URL(fileURLWithPath: out)
        try capture.write(to: url, depthMaps: depth)
        progress(String(format: "wrote %@ and %@.truth.json in %.1f s", url.path, url.lastPathComponent, Date().timeIntervalSince(started)))
    }
}

extension SynthCapture {
    /// `--turn` and `--shift` as the subject's motion in its own frame (nil: none).
    static func motion(turn: Double, shift: String?) throws -> RigidTransform? {
        guard turn.isFinite, abs(turn) <= 90 else { throw ValidationError("--turn must be -90…90 degrees, got \(turn)") }
        var t = SIMD3<Double>.zero
        if let shift {
            let parts = shift.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ $0.isFinite && abs($0) <= 2000 }) else {
                throw ValidationError("--shift must be X,Y,Z in mm (each within ±2000), got \(shift)")
            }
            t = SIMD3(parts[0], parts[1], parts[2])
        }
        guard turn != 0 || t != .zero else { return nil }
        return RigidTransform(rodrigues: SIMD3(0, turn * .pi / 180, 0), translation: t)
    }

    /// `grey` (nil: the plain dim backdrop), `light-blue`, or `R,G,B` in 0…255.
    static func backdropColour(_ text: String) throws -> SIMD3<Double>? {
        switch text {
        case "grey", "gray": return nil
        case "light-blue": return RenderOptions.lightBlue
        default:
            let parts = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ (0...255).contains($0) }) else {
                throw ValidationError("--backdrop must be grey, light-blue or R,G,B with each 0…255, got \(text)")
            }
            return SIMD3(parts[0], parts[1], parts[2]) / 255
        }
    }
}

struct SynthCalibration: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibration",
        abstract: "Write a checkerboard calibration image set and DIR.truth-rig.json beside it.",
        discussion: """
            Views seen by every camera (for the rig's poses) come first, then views that reach \
            each camera's image corners (for its distortion), written only in that camera's \
            folder. Board: --board COLSxROWS inner corners, --square mm.
            """)

    @Option(help: ArgumentHelp("Calibration folder to create (must not exist).", valueName: "DIR"))
    var out: String

    @Option(help: "Views seen by all cameras.")
    var views: Int = 12

    @Option(help: "Extra views per camera that reach its image corners.")
    var cornerViews: Int = 4

    @Option(help: ArgumentHelp("Inner corners, columns x rows.", valueName: "COLSxROWS"))
    var board: String = "9x6"

    @Option(help: "Square size, mm.")
    var square: Double = 25

    @Option(help: "Write JPEG at this quality (1…100) instead of PNG.")
    var jpeg: Int?

    @OptionGroup var rig: SynthRigOptions

    func run() throws {
        let parts = board.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (2...40).contains($0) }) else {
            throw ValidationError("--board must be COLSxROWS inner corners, e.g. 9x6")
        }
        var spec = CalibrationSpec()
        spec.board = Checkerboard(innerColumns: parts[0], innerRows: parts[1], squareMm: square)
        spec.rig = try rig.rigOptions()
        spec.sharedViews = views
        spec.cornerViewsPerCamera = cornerViews
        spec.render.seed = rig.seed
        spec.render.noiseSigma = rig.noise
        spec.render.supersampling = rig.supersampling ?? 3
        spec.jpegQuality = jpeg
        do { try spec.validate() } catch { throw ValidationError("\(error)") }
        let started = Date()
        let set = try CalibrationSet(spec) { progress($0) }
        let url = URL(fileURLWithPath: out)
        try set.write(to: url)
        progress(String(format: "wrote %@ (%d views, %d images) and %@.truth-rig.json in %.1f s", url.path,
                        set.views.count, set.imageCount, url.lastPathComponent, Date().timeIntervalSince(started)))
    }
}

struct SynthScenes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scenes", abstract: "List the scenes.")
    func run() throws {
        for s in SceneName.allCases { print("\(s.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
    }
}

/// A progress line on stderr.
func progress(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

/// `synth capture`'s image degradations (`ImageDegradation`).
struct SynthRealismOptions: ParsableArguments {
    @Flag(help: """
        Real-capture strength: texture contrast 0.15, blur 1.5 px, gains 0.85/1/1.15 with a \
        white-balance shift, 20 % vignetting, noise σ 3, JPEG 85 (each overridable below).
        """)
    var realistic = false

    @Option(help: ArgumentHelp("Speckle texture contrast about its mean (0…1; skin ≈ 0.15).", valueName: "C"))
    var textureContrast: Double?

    @Option(help: ArgumentHelp("Defocus blur, Gaussian σ in pixels.", valueName: "PX"))
    var blur: Double?

    @Option(help: ArgumentHelp("Exposure gain per camera, comma-separated, cycled (e.g. 0.85,1,1.15).", valueName: "G,G,…"))
    var gains: String?

    @Option(help: ArgumentHelp("Brightness lost at the image corners (0…0.9).", valueName: "A"))
    var vignetting: Double?

    func apply(to spec: inout CaptureSpec, noiseGiven: Bool, jpegGiven: Bool) throws {
        var d = realistic ? ImageDegradation.realistic : ImageDegradation()
        if realistic {
            if !noiseGiven { spec.render.noiseSigma = 3 }
            if !jpegGiven { spec.jpegQuality = 85 }
        }
        if let textureContrast { d.textureContrast = textureContrast }
        if let blur { d.blurSigma = blur }
        if let vignetting { d.vignetting = vignetting }
        if let gains {
            let values = gains.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("--gains takes numbers separated by commas, got '\(gains.excerpt())'") }
            d.gains = values.map { $0! }
        }
        spec.render.degradation = d
    }
}
