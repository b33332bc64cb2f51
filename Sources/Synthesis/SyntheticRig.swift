import Interchange
import Foundation
import Geometry
import LinearAlgebra

/// Options for a virtual rig, with VECTRA-like defaults: three 5 MP cameras on a horizontal
/// arc 18° apart, about 1000 mm from the subject's surface, fx ≈ fy ≈ 4000 px, principal
/// points off-centre by up to 15 px and OpenCV lens distortion with |k1| ≤ 0.15.
public struct SyntheticRigOptions: Sendable, Equatable {
    public enum Layout: String, Sendable, CaseIterable {
        /// Cameras on a horizontal arc in front of the subject (`cam0` leftmost).
        case arc
        /// Rings of cameras all around the subject: below, level with and above it.
        case surround
        /// Pods of two cameras, one above the other (`podBaselineDegrees` apart as seen from
        /// the subject), on a horizontal arc `arcStepDegrees` apart — VECTRA-XT-like with
        /// three pods 40° apart. `cameraCount` is the number of pods.
        case pods
    }

    public var layout: Layout = .arc
    /// Number of cameras on the arc; for `.surround`, cameras per ring (three rings).
    public var cameraCount: Int = 3
    /// Angle between neighbouring cameras (or pods) on the arc, degrees.
    public var arcStepDegrees: Double = 18
    /// For `.pods`: the angle between a pod's two cameras as seen from the subject, degrees
    /// (10: a baseline of ~190 mm at 1100 mm).
    public var podBaselineDegrees: Double = 10
    /// Distance from each camera to the subject's centre, mm (surfaces sit ~100 mm in front
    /// of the centre, so the working distance to the skin is ~1000 mm).
    public var subjectDistance: Double = 1100
    /// Image size multiplier: 1 gives 2448×2048; 0.25 gives 612×512 for quick tests.
    /// Intrinsics scale with it, so the geometry in normalized coordinates is unchanged.
    public var scale: Double = 1
    /// Largest |k1|; k2, p1, p2 stay small so that the lens is invertible over the image.
    public var maximumK1: Double = 0.15
    /// Seeds the per-camera intrinsics and distortion.
    public var seed: UInt64 = 1

    public init() {}

    /// Throws a message that says what to change.
    public func validate() throws {
        guard (1...64).contains(cameraCount) else { throw SynthesisError.badOption("camera count must be 1…64, got \(cameraCount)") }
        guard scale > 0.02, scale <= 2 else { throw SynthesisError.badOption("scale must be in (0.02, 2], got \(scale)") }
        guard subjectDistance >= 300, subjectDistance <= 5000 else { throw SynthesisError.badOption("subject distance must be 300…5000 mm") }
        guard (0...0.3).contains(maximumK1) else { throw SynthesisError.badOption("maximum |k1| must be 0…0.3") }
        guard layout != .pods || (podBaselineDegrees > 0 && podBaselineDegrees < 60) else {
            throw SynthesisError.badOption("the pods' baseline angle must be in (0, 60)°, got \(podBaselineDegrees)")
        }
        guard layout == .surround || (arcStepDegrees > 0 && arcStepDegrees * Double(cameraCount - 1) < 180) else {
            throw SynthesisError.badOption("the arc (\(arcStepDegrees)° × \(cameraCount - 1)) must stay under 180°")
        }
    }
}

/// Something the synthesis cannot do as asked.
public enum SynthesisError: TrinocularError, Equatable {
    public var fault: Fault {
        if case .output = self { return .workFailed }
        return .badInput
    }
    case badOption(String)
    case unknownScene(String)
    /// The output would overwrite something: bad usage.
    case outputExists(file: String)
    /// Writing failed (disk full, permissions): the work failed.
    case output(file: String, problem: String)

    public var description: String {
        switch self {
        case let .badOption(m): return m
        case let .unknownScene(name): return "unknown scene '\(name)'; choose one of \(SceneName.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .outputExists(file): return "\(file): already exists; choose another --out or remove it"
        case let .output(file, problem): return "\(file): \(problem)"
        }
    }
}

/// A virtual rig: the contract's `Rig` (world = `cam0`'s frame) and where the subject
/// sits in it. Scenes are modelled in the subject frame (origin at the subject's centre,
/// x right, y down, z away from the rig, as seen by a camera on the arc's axis).
public struct SyntheticRig: Sendable {
    public var rig: Rig
    /// Maps subject coordinates into the rig's world frame (mm).
    public var worldFromSubject: RigidTransform
    public var options: SyntheticRigOptions

    public var subjectFromWorld: RigidTransform { worldFromSubject.inverse }

    /// Builds the rig. Deterministic: the same options give the same numbers.
    public init(_ options: SyntheticRigOptions = SyntheticRigOptions()) throws {
        try options.validate()
        self.options = options
        var placements: [(azimuth: Double, elevation: Double)] = []
        switch options.layout {
        case .arc:
            let n = options.cameraCount
            for i in 0..<n { placements.append(((Double(i) - Double(n - 1) / 2) * options.arcStepDegrees, 0)) }
        case .pods:
            let n = options.cameraCount, half = options.podBaselineDegrees / 2
            for i in 0..<n {
                let azimuth = (Double(i) - Double(n - 1) / 2) * options.arcStepDegrees
                placements.append((azimuth, half)); placements.append((azimuth, -half))
            }
        case .surround:
            for elevation in [0.0, 35.0, -35.0] {
                for i in 0..<options.cameraCount {
                    placements.append((Double(i) * 360 / Double(options.cameraCount) + (elevation == 0 ? 0 : 180 / Double(options.cameraCount)), elevation))
                }
            }
        }
        var random = SplitMix(seed: options.seed ^ 0x5EED_0F_0A11)
        let width = Int((2448 * options.scale).rounded()), height = Int((2048 * options.scale).rounded())
        var cameras: [(String, PinholeCamera, RigidTransform)] = []
        for (i, p) in placements.enumerated() {
            let camFromSubject = SyntheticRig.lookAt(azimuth: p.azimuth, elevation: p.elevation, distance: options.subjectDistance)
            let fx = 4000 * (1 + random.uniform(-0.015, 0.015))
            let fy = fx * (1 + random.uniform(-0.002, 0.002))
            let cx = (2448 - 1) / 2 + random.uniform(-15, 15), cy = (2048 - 1) / 2 + random.uniform(-15, 15)
            let k1 = random.uniform(-options.maximumK1, options.maximumK1)
            let k2 = random.uniform(-0.1, 0.1) * options.maximumK1 / 0.15
            let p1 = random.uniform(-4e-4, 4e-4), p2 = random.uniform(-4e-4, 4e-4)
            // Pixel coordinates scale about the top-left pixel's corner (−0.5, −0.5).
            let s = options.scale
            let intrinsics = Intrinsics(fx: fx * s, fy: fy * s, cx: (cx + 0.5) * s - 0.5, cy: (cy + 0.5) * s - 0.5)
            let camera = PinholeCamera(intrinsics: intrinsics, distortion: Distortion(k1: k1, k2: k2, p1: p1, p2: p2),
                                       imageWidth: width, imageHeight: height)
            cameras.append(("cam\(i)", camera, camFromSubject))
        }
        let cam0FromSubject = cameras[0].2
        worldFromSubject = cam0FromSubject
        let subjectFromWorld = cam0FromSubject.inverse
        rig = Rig(cameras: cameras.map { RigCamera(id: $0.0, camera: $0.1, camFromWorld: $0.2 * subjectFromWorld) },
                  calibration: .object([("source", .string("synthetic: trinocular synth (exact)")),
                                        ("layout", .string(options.layout.rawValue)),
                                        ("seed", .int(Int(truncatingIfNeeded: options.seed)))]))
    }

    /// camFromSubject for a camera at the given azimuth (degrees, positive to the subject's
    /// right as the rig sees it, i.e. +x) and elevation (degrees, positive above), looking at
    /// the subject's centre with image rows horizontal.
    public static func lookAt(azimuth: Double, elevation: Double, distance: Double) -> RigidTransform {
        let a = azimuth * .pi / 180, e = elevation * .pi / 180
        let centre = distance * SIMD3(cos(e) * sin(a), -sin(e), -cos(e) * cos(a))
        let forward = normalize(-centre)
        let right = normalize(cross(SIMD3(0, 1, 0), forward))
        let down = cross(forward, right)
        let r = Matrix3x3(rows: right, down, forward)
        return RigidTransform(rotation: Rotation(unchecked: r), translation: -(r * centre))
    }
}

/// SplitMix64: small, fast, seeded and the same on every platform.
public struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [a, b), from the top 53 bits.
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * Double(next() >> 11) * 0x1p-53
    }
    /// A standard normal sample (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300), u2 = Double(next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
    /// A uniformly random rotation (Shoemake's method).
    mutating func rotation() -> Rotation {
        let u1 = uniform(0, 1), u2 = uniform(0, 2 * .pi), u3 = uniform(0, 2 * .pi)
        let a = (1 - u1).squareRoot(), b = u1.squareRoot()
        return Rotation(UnitQuaternion(w: b * cos(u3), x: a * sin(u2), y: a * cos(u2), z: b * sin(u3)))
    }
}
