import Interchange
import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Reconstruction
import Stereo
import Surface

/// How `Reconstructor` turns a capture into a point cloud.
public struct ReconstructionOptions: Sendable {
    /// Which camera pairs are matched.
    public enum Pairs: String, Sendable, CaseIterable {
        /// Each camera with its nearest neighbours by viewing direction and baseline
        /// (`Reconstructor.selectPairs`), whatever order the rig lists them in.
        case neighbours
        /// Every pair whose optical axes are within `maximumPairAngle` of each other.
        case all
    }

    /// The largest angle between a pair's optical axes (degrees). Wider pairs see the
    /// surface too differently to match well.
    public var maximumPairAngle = 60.0

    /// Depths (mm in front of each pair's cameras: along the mean of their optical axes,
    /// from the midpoint of their centres; `WorkingSlab`) where the subject may be; nil: the
    /// capture's `workingRange`, else `defaultWorkingRange`.
    public var workingRange: ClosedRange<Double>?
    public static let defaultWorkingRange: ClosedRange<Double> = 600...1600
    public var pairs = Pairs.neighbours
    public var matching = DenseMatchingOptions()
    public var surface = SurfaceEstimation.Options()
    /// Third-view confirmation, conflicts, merging (`Fusion`).
    public var fusion = Fusion.Options()
    /// Keep each pair's disparity map in the result (for `--save-disparities`).
    public var keepDisparities = false
    /// Mesh the fused cloud (nil: points only).
    public var meshing: MeshingOptions? = MeshingOptions()
    /// Texture the mesh from the capture's images (texture coordinates per camera).
    public var texture = true
    /// Coarsen the mesh grid to twice the points' spacing when that is wider than
    /// `meshing.spacing` (small images give sparse points; a finer grid adds faces, not detail).
    public var adaptMeshSpacing = true
    /// Reduce every image by this factor (1, 2, 4 or 8; each pixel the mean of a block) and
    /// the cameras with them (`PinholeCamera.reduced(by:)`): a quick, coarser reconstruction,
    /// e.g. `trinocular check`'s subject distance. 1: full resolution.
    public var reduction = 1

    public init() {}

    /// Refuses options no reconstruction can work with (the matching's and fusion's own,
    /// the pair angle, the working range).
    public func validate() throws {
        guard maximumPairAngle > 0, maximumPairAngle <= 180 else {
            throw FileProblem(file: "reconstruction options", problem: "maximumPairAngle must be in (0, 180] degrees", fault: .workFailed)
        }
        if let r = workingRange, !(r.lowerBound > 0 && r.upperBound.isFinite) {
            throw FileProblem(file: "reconstruction options", problem: "the working range must be positive distances in mm", fault: .workFailed)
        }
        guard [1, 2, 4, 8].contains(reduction) else {
            throw FileProblem(file: "reconstruction options", problem: "the image reduction must be 1, 2, 4 or 8", fault: .workFailed)
        }
        try surface.validate()
        try fusion.validate()
    }
}

/// Why a capture could not be reconstructed. `badInput` cases are the capture's fault.
public struct ReconstructionError: TrinocularError {
    public var file: String
    public var problem: String
    /// True when the input is at fault (exit status 2), false when the work failed.
    public var badInput: Bool
    public var fault: Fault { badInput ? .badInput : .workFailed }
    public var description: String { "\(file): \(problem)" }
}

/// What was done for one camera pair.
public struct PairReport: Sendable {
    public var cameras: [String]
    /// The pair's rectification (OpenCV's R1, R2, P1, P2 conventions).
    public var rectification: StereoRectification
    public var disparityRange: ClosedRange<Int>
    public var pyramidLevels: Int
    /// Pixels of the left rectified image with a disparity, and their share of the image.
    public var matchedPixels: Int
    public var density: Double
    /// Points dropped as outliers of their neighbourhood (`SurfaceEstimation`).
    public var outliers: Int
    /// What fusion confirmed, removed and kept of this pair's points.
    public var fusion = Fusion.PairCounts()
    public var seconds: [(stage: String, seconds: Double)]

    /// Points this pair contributes to the fused cloud (after duplicates and conflicts).
    public var points: Int { fusion.points }
    public var threeView: Int { fusion.threeView }
    public var threeViewRejected: Int { fusion.threeViewRejected }
    public var threeViewRMS: Double? { fusion.threeViewRMS }
    public var duplicates: Int { fusion.duplicates }
    public var conflicts: Int { fusion.conflicts }
}

/// The reconstruction of one capture.
public struct ReconstructionResult: Sendable {
    public var cloud: PointCloud
    public var pairs: [PairReport]
    public var workingRange: ClosedRange<Double>
    /// Points removed for lying outside the working range.
    public var outsideWorkingRange: Int
    public var seconds: [(stage: String, seconds: Double)]
    public var warnings: [String]
    /// Per pair (left camera id, right camera id, map), when asked for.
    public var disparities: [(left: String, right: String, map: DisparityMap)]
    /// The surface meshed from the cloud (mm, world frame) and how, when asked for.
    public var mesh: TriangleMesh?
    public var meshing: MeshingReport?
    /// The mesh's texture coordinates (materials named after the cameras) and the colour
    /// images they refer to, by camera id, when textured.
    public var atlas: TextureAtlas?
    public var textures: [String: Image<UInt8>] = [:]
}

/// Capture → metric point cloud: rectify each camera pair, match it coarse to fine,
/// triangulate, confirm points by a third camera, estimate normals and remove outliers,
/// fuse, and keep the working range.
public enum Reconstructor {
    /// `images`, when given, are the capture's photographs already read (8-bit, in the
    /// capture's view order), so that a caller that measured them need not read them again.
    public static func run(_ capture: Capture, images: [Image<UInt8>]? = nil, options: ReconstructionOptions = ReconstructionOptions(),
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> ReconstructionResult {
        try options.validate()
        var capture = capture
        if options.reduction > 1 {
            capture.rig = Rig(cameras: capture.rig.cameras.map { RigCamera(id: $0.id, camera: $0.camera.reduced(by: options.reduction), camFromWorld: $0.camFromWorld) },
                              calibration: capture.rig.calibration)
        }
        let rig = capture.rig
        guard rig.cameras.count >= 2 else {
            throw ReconstructionError(file: capture.rigSource.url.path,
                                      problem: "the rig has \(rig.cameras.count) camera; reconstruction needs two or more calibrated together", badInput: true)
        }
        let range = options.workingRange ?? capture.manifest?.workingRange.map { $0[0]...$0[1] } ?? ReconstructionOptions.defaultWorkingRange
        var clock = StageClock()
        var warnings = capture.warnings

        let (colour, gray) = try readImages(capture, images: images, reduction: options.reduction)
        progress(String(format: "read %d images (%.1f s)", capture.views.count, clock.lap("read images")))
        var (pairs, maps, rectifiedLefts, reports) = try matchPairs(capture, gray: gray, range: range, options: options, warnings: &warnings, progress: progress)
        _ = clock.lap("rectify and match")
        let surfaces = estimateSurfaces(pairs: pairs, maps: maps, rectifiedLefts: rectifiedLefts, reports: &reports, rig: rig, options: options)
        maps = options.keepDisparities ? surfaces.map(\.disparity) : []
        rectifiedLefts = []
        progress(String(format: "triangulated, normals and outliers (%.1f s)", clock.lap("triangulate, normals")))
        let (cloud, fusion) = fuse(surfaces, reports: &reports, gray: gray, colour: colour, rig: rig, range: range, options: options)
        let outside = fusion.outsideWorkingRange, pointSpacing = fusion.pointSpacing
        progress(String(format: "fused %d points, confirmed by a third view where one sees (%.1f s)", cloud.count, clock.lap("fusion")))
        for report in reports where report.points == 0 {
            warnings.append("pair \(report.cameras.joined(separator: "–")) produced no points")
        }
        if cloud.isEmpty {
            throw emptyCloud(capture, reports: reports, range: range, outside: outside, options: options)
        }
        let surface = meshAndTexture(cloud, pointSpacing: pointSpacing, colour: colour, rig: rig, options: options, clock: &clock, warnings: &warnings, progress: progress)
        return ReconstructionResult(cloud: cloud, pairs: reports, workingRange: range, outsideWorkingRange: outside,
                                    seconds: clock.seconds, warnings: warnings,
                                    disparities: zip(pairs, maps).map { (rig.cameras[$0.left].id, rig.cameras[$0.right].id, $1) },
                                    mesh: surface.mesh, meshing: surface.meshing, atlas: surface.atlas, textures: surface.textures)
    }

    /// Why no point is left: nothing matched (the images, the rig or the range), or the
    /// matches were found and each filter's share of removing them, with the scale it works
    /// in (pixels and disparities; the working range in mm). Both are the capture's fault as
    /// far as the tool can tell: the subject is not where the range says, or has no texture.
    static func emptyCloud(_ capture: Capture, reports: [PairReport], range: ClosedRange<Double>, outside: Int, options: ReconstructionOptions) -> ReconstructionError {
        let pairNames = reports.map { $0.cameras.joined(separator: "–") }.joined(separator: ", ")
        let matched = reports.reduce(0) { $0 + $1.matchedPixels }
        guard matched > 0 else {
            return ReconstructionError(file: capture.folder.path,
                                       problem: "no surface point was found (pairs \(pairNames.isEmpty ? "none usable" : pairNames) matched no pixel): are the images of this rig, with a textured subject \(Int(range.lowerBound))–\(Int(range.upperBound)) mm in front of the cameras? (--working-range sets another)",
                                       badInput: true)
        }
        let outliers = reports.reduce(0) { $0 + $1.outliers }, conflicts = reports.reduce(0) { $0 + $1.conflicts }
        let f = options.fusion
        let rejected = reports.reduce(0) { $0 + $1.threeViewRejected }, duplicates = reports.reduce(0) { $0 + $1.duplicates }
        let s = options.surface, side = 2 * s.halfWindow + 1
        var parts = ["\(outliers) off their neighbours' surface (fewer than \(s.minimumNeighbours) neighbours in a \(side)×\(side)-pixel window within \(s.disparityStep) px of disparity per pixel, or farther than \(s.planeSigmas)σ + \(s.planeSlack) px from their disparity plane)",
                     "\(conflicts) in conflict (full-resolution ZNCC under \(f.minimumTwoViewCorrelation) for two-view points, foreshortened differently by the two cameras by more than ×\(f.maximumForeshortening), or contradicted by a third camera or another pair)"]
        if rejected > 0 { parts.append("\(rejected) contradicted by a third view (reprojection over \(f.threeViewTolerance) px)") }
        if duplicates > 0 { parts.append("\(duplicates) as duplicates of other pairs' points") }
        parts.append("\(outside) outside the working range \(Int(range.lowerBound))–\(Int(range.upperBound)) mm")
        return ReconstructionError(file: capture.folder.path,
                                   problem: "no surface point was found: the pairs \(pairNames) matched \(matched) pixels, but the point filters removed every one — \(parts.joined(separator: "; ")). Is a textured subject \(Int(range.lowerBound))–\(Int(range.upperBound)) mm in front of the cameras? (--working-range sets another)",
                                   badInput: true)
    }

    enum PairOutcome {
        case skipped(String)
        case matched(StereoPair, DisparityMap, Image<Float>, PairReport, String?)
    }

    /// One pair's results, filled in by parallel workers (each its own slot).
    final class PairOutcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<PairOutcome, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ k: Int, _ value: Result<PairOutcome, Error>) { lock.lock(); values[k] = value; lock.unlock() }
    }

    /// Rectifies and matches rig cameras a and b.
    static func matchPair(rig: Rig, _ a: Int, _ b: Int, gray: [Image<Float>], range: ClosedRange<Double>, options: ReconstructionOptions,
                          progress: @Sendable (String) -> Void) throws -> PairOutcome {
        let pairClock = Date()
        var stageClock = Date()
        var pairSeconds: [(String, Double)] = []
        func pairLap(_ stage: String) {
            let now = Date(), s = now.timeIntervalSince(stageClock); stageClock = now
            pairSeconds.append((stage, s))
        }
        let pair = StereoPair(rig: rig, a, b)
        let name = "\(rig.cameras[pair.left].id)–\(rig.cameras[pair.right].id)"
        guard let disparities = pair.disparityRange(rig: rig, depths: range), disparities.count > 1 else {
            return .skipped("pair \(name): no disparity fits the working range \(Int(range.lowerBound))–\(Int(range.upperBound)) mm in front of its cameras")
        }
        let left = pair.leftMap.remap(gray[pair.left]), right = pair.rightMap.remap(gray[pair.right])
        pairLap("rectify")
        var matching = options.matching
        matching.disparities = disparities
        // A vertical pair (one camera above the other) is matched along columns: as a
        // horizontal one on the transposed images, the result transposed back.
        var matched: CoarseToFineMatcher.Result
        if pair.rectification.isHorizontal {
            matched = try CoarseToFineMatcher.match(left: left, right: right, options: matching)
        } else {
            matched = try CoarseToFineMatcher.match(left: transposed(left), right: transposed(right), options: matching)
            let m = matched.left
            matched.left = DisparityMap(width: m.height, height: m.width,
                                        disparity: transposed(m.disparity, width: m.width, height: m.height),
                                        confidence: transposed(m.confidence, width: m.width, height: m.height))
        }
        pairLap("match")
        let count = matched.left.disparity.lazy.filter { !$0.isNaN }.count
        let texture = matched.correlation.map { String(format: "median ZNCC %.2f, ", $0) } ?? ""
        let side = 2 * matched.windowHalfSize + 1
        progress(String(format: "pair %@: disparities %d–%d px, %d pyramid levels, %@%d×%d windows, %.0f %% of pixels matched (%.1f s)",
                        name, matching.disparities.lowerBound, matching.disparities.upperBound, matched.levels, texture, side, side,
                        100 * Double(count) / Double(left.pixelCount), Date().timeIntervalSince(pairClock)))
        let warning = count == 0 ? "pair \(name) matched no pixels (no texture in common, or the subject outside the working range)" : nil
        let report = PairReport(cameras: [rig.cameras[pair.left].id, rig.cameras[pair.right].id], rectification: pair.rectification,
                                disparityRange: matching.disparities,
                                pyramidLevels: matched.levels, matchedPixels: count, density: Double(count) / Double(left.pixelCount),
                                outliers: 0, seconds: pairSeconds)
        return .matched(pair, matched.left, left, report, warning)
    }

    static func transposed(_ image: Image<Float>) -> Image<Float> {
        Image(width: image.height, height: image.width, layout: .gray, pixels: transposed(image.pixels, width: image.width, height: image.height))
    }

    /// A row-major w × h grid as the row-major h × w grid of its transpose.
    static func transposed(_ values: [Float], width w: Int, height h: Int) -> [Float] {
        var out = values
        for y in 0..<h { for x in 0..<w { out[x * h + y] = values[y * w + x] } }
        return out
    }

    /// The camera pairs to match, as rig indices, in an order that does not depend on the
    /// order the rig lists its cameras in (by the pair's camera ids).
    ///
    /// `neighbours`: each camera with its nearest neighbours — the relative neighbourhood
    /// graph of the cameras, where two cameras are a pair unless a third is nearer to both
    /// of them. Nearness is the angle between their optical axes together with their
    /// baseline seen from the subject: √(θ² + (B / D)²) (radians; D the working range's
    /// middle, mm), so converging cameras are compared by how differently they see and
    /// parallel ones by their baselines. An arc gives its consecutive cameras, a ring its
    /// cycle, pods of two cameras each pod and the facing cameras of neighbouring pods.
    /// `all`: every pair. Either way pairs whose optical axes are more than `maximumAngle`
    /// (degrees) apart are left out: they see the surface too differently to match.
    public static func selectPairs(_ rig: Rig, _ which: ReconstructionOptions.Pairs, maximumAngle: Double = 60,
                            subjectDistance: Double) -> [(Int, Int)] {
        let n = rig.cameras.count
        func angle(_ a: Int, _ b: Int) -> Double {
            let c = (rig.cameras[a].opticalAxis * rig.cameras[b].opticalAxis).sum()
            return acos(min(max(c, -1), 1))
        }
        func distance(_ a: Int, _ b: Int) -> Double {
            let baseline = length(rig.cameras[a].centre - rig.cameras[b].centre) / subjectDistance
            return (angle(a, b) * angle(a, b) + baseline * baseline).squareRoot()
        }
        var out: [(Int, Int)] = []
        for a in 0..<n {
            for b in (a + 1)..<n where angle(a, b) <= maximumAngle * Double.pi / 180 {
                if which == .neighbours {
                    let d = distance(a, b) * (1 - 1e-9)
                    if (0..<n).contains(where: { $0 != a && $0 != b && max(distance(a, $0), distance(b, $0)) < d }) { continue }
                }
                out.append((a, b))
            }
        }
        func key(_ p: (Int, Int)) -> (String, String) {
            let x = rig.cameras[p.0].id, y = rig.cameras[p.1].id
            return x < y ? (x, y) : (y, x)
        }
        return out.sorted { key($0) < key($1) }
    }
}
