import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Reconstruction
import Stereo
import Surface

/// Each stage's wall time, in the order they ran.
struct StageClock {
    var seconds: [(String, Double)] = []
    var clock = Date()
    /// Seconds since the last lap, recorded under `stage`.
    mutating func lap(_ stage: String) -> Double {
        let now = Date(), s = now.timeIntervalSince(clock)
        clock = now
        seconds.append((stage, s))
        return s
    }
}

/// The stages `Reconstructor.run` calls in turn.
extension Reconstructor {
    /// The capture's images: colour for the points, gray (0…255) for matching. Blank ones
    /// are refused, naming the camera.
    static func readImages(_ capture: Capture, images: [Image<UInt8>]? = nil, reduction: Int = 1) throws -> (colour: [Image<UInt8>], gray: [Image<Float>]) {
        var colour: [Image<UInt8>] = [], gray: [Image<Float>] = []
        let originals = try images.flatMap { $0.count == capture.views.count ? $0 : nil } ?? capture.readImages()
        for (k, view) in capture.views.enumerated() {
            let image = originals[k].reduced(by: reduction)
            let g = image.grayscale()
            let (lo, hi) = g.pixels.reduce((UInt8.max, UInt8.min)) { (min($0.0, $1), max($0.1, $1)) }
            if Int(hi) - Int(lo) < 4 {
                throw ReconstructionError(file: view.file.path,
                                          problem: "the image is blank (every pixel within \(Int(hi) - Int(lo)) grey levels of \(lo)): did camera '\(view.cameraID)' fire, and was the lens uncovered?",
                                          badInput: true)
            }
            colour.append(image)
            gray.append(Image(width: g.width, height: g.height, layout: .gray, pixels: g.pixels.map { Float($0) }))
        }
        return (colour, gray)
    }

    /// Rectifies and matches each pair (side by side; each also parallel inside, so that the
    /// serial parts of one overlap the other). Pairs that cannot be matched become warnings;
    /// none at all is the capture's fault.
    static func matchPairs(_ capture: Capture, gray: [Image<Float>], range: ClosedRange<Double>, options: ReconstructionOptions,
                           warnings: inout [String], progress: @escaping @Sendable (String) -> Void) throws
        -> (pairs: [StereoPair], maps: [DisparityMap], rectifiedLefts: [Image<Float>], reports: [PairReport]) {
        let rig = capture.rig
        let pairIndices = selectPairs(rig, options.pairs, maximumAngle: options.maximumPairAngle,
                                      subjectDistance: (range.lowerBound + range.upperBound) / 2)
        for (i, camera) in rig.cameras.enumerated() where !pairIndices.contains(where: { $0.0 == i || $0.1 == i }) {
            warnings.append("camera \(camera.id) is in no pair (its optical axis is more than \(options.maximumPairAngle)° from every other camera's): not used")
        }
        let outcomes = PairOutcomes(count: pairIndices.count)
        let images = gray
        Parallel.perform(iterations: pairIndices.count) { k in
            let (a, b) = pairIndices[k]
            outcomes.set(k, Result { try matchPair(rig: rig, a, b, gray: images, range: range, options: options, progress: progress) })
        }
        var pairs: [StereoPair] = [], maps: [DisparityMap] = [], reports: [PairReport] = [], rectifiedLefts: [Image<Float>] = []
        for outcome in outcomes.values {
            switch try outcome!.get() {
            case let .skipped(warning): warnings.append(warning)
            case let .matched(pair, map, left, report, warning):
                pairs.append(pair); maps.append(map); rectifiedLefts.append(left); reports.append(report)
                if let warning { warnings.append(warning) }
            }
        }
        guard !pairs.isEmpty else {
            throw ReconstructionError(file: capture.rigSource.url.path, problem: "no camera pair of this rig can be matched: \(warnings.joined(separator: "; "))", badInput: true)
        }
        return (pairs, maps, rectifiedLefts, reports)
    }

    /// Triangulation, then normals and outliers on each pair's full grid
    /// (`SurfaceEstimation`): each pair as fusion takes it, its map without the outliers'
    /// disparities. The maps and images are taken over, not copied.
    static func estimateSurfaces(pairs: [StereoPair], maps: consuming [DisparityMap], rectifiedLefts: [Image<Float>], reports: inout [PairReport],
                                 rig: Rig, options: ReconstructionOptions) -> [Fusion.Pair] {
        var out: [Fusion.Pair] = []
        for k in pairs.indices {
            var points = OrganizedPoints(pair: pairs[k], disparity: maps[k])
            let (normals, slopes, removed) = SurfaceEstimation.normals(&points, viewpoint: rig.cameras[pairs[k].left].centre, options: options.surface)
            reports[k].outliers = removed
            var map = maps[k]
            maps[k].disparity = []  // the only other reference: the point grid's copy is the one kept
            map.disparity = points.disparity
            out.append(Fusion.Pair(pair: pairs[k], points: points, normals: normals, slopes: slopes, disparity: map, leftRectified: rectifiedLefts[k]))
        }
        return out
    }

    /// The pairs' points fused into one cloud (`Fusion`); each pair's report gets its counts.
    static func fuse(_ inputs: consuming [Fusion.Pair], reports: inout [PairReport], gray: [Image<Float>], colour: [Image<UInt8>],
                     rig: Rig, range: ClosedRange<Double>, options: ReconstructionOptions) -> (cloud: PointCloud, report: Fusion.Report) {
        let (cloud, report) = Fusion.run(inputs, rig: rig, gray: gray, colour: colour, workingRange: range, options: options.fusion)
        for k in reports.indices { reports[k].fusion = report.pairs[k] }
        return (cloud, report)
    }

    /// The surface meshed from the cloud and its texture atlas, when asked for.
    static func meshAndTexture(_ cloud: PointCloud, pointSpacing: Double?, colour: [Image<UInt8>], rig: Rig, options: ReconstructionOptions,
                               clock: inout StageClock, warnings: inout [String], progress: (String) -> Void)
        -> (mesh: TriangleMesh?, meshing: MeshingReport?, atlas: TextureAtlas?, textures: [String: Image<UInt8>]) {
        var mesh: TriangleMesh?, meshing: MeshingReport?, atlas: TextureAtlas?, textures: [String: Image<UInt8>] = [:]
        if var meshOptions = options.meshing {
            if options.adaptMeshSpacing, let spacing = pointSpacing {
                meshOptions.spacing = max(meshOptions.spacing, (2 * spacing * 100).rounded(.up) / 100)
            }
            let made = SurfaceMesher.mesh(positions: cloud.positions, normals: cloud.normals, colors: cloud.colors, options: meshOptions)
            mesh = made.mesh; meshing = made.report
            let t = made.report.topology
            let holes = made.report.holes.filled, unseen = holes.reduce(0) { $0 + $1.area }
            progress(String(format: "meshed: %d vertices, %d faces, %@; %d unseen patches filled, %.0f mm² (largest %.0f mm²) (%.1f s)",
                            made.mesh.vertices.count, made.mesh.faces.count, t.isClosed ? "closed" : "open",
                            holes.count, unseen, holes.map(\.area).max() ?? 0, clock.lap("mesh")))
            if options.texture {
                let painted = MeshTexturing.atlas(for: made.mesh, rig: rig)
                for (k, camera) in rig.cameras.enumerated() where painted.materials.contains(camera.id) { textures[camera.id] = colour[k] }
                progress(String(format: "textured from %d camera%@ (%.1f s)", painted.materials.count, painted.materials.count == 1 ? "" : "s", clock.lap("texture")))
                atlas = painted
            }
            if meshOptions.watertight && !t.isClosed {
                warnings.append("the mesh could not be closed (\(t.problem ?? "")): no volume will be given for it")
            }
        }
        return (mesh, meshing, atlas, textures)
    }
}
