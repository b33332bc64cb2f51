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
    static func readImages(_ capture: Capture) throws -> (colour: [Image<UInt8>], gray: [Image<Float>]) {
        var colour: [Image<UInt8>] = [], gray: [Image<Float>] = []
        for view in capture.views {
            let image = try ImageFile.read(view.file).eightBit
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
        let pairIndices = selectPairs(rig, options.pairs, maximumAngle: options.maximumPairAngle)
        // A rig all around the subject (some camera facing cam0): the working range is then
        // each pair's distance from its own left camera, not from cam0.
        let surround = Reconstructor.surrounds(rig)
        let outcomes = PairOutcomes(count: pairIndices.count)
        let images = gray
        Parallel.perform(iterations: pairIndices.count) { k in
            let (a, b) = pairIndices[k]
            outcomes.set(k, Result { try matchPair(rig: rig, a, b, gray: images, range: range, fromLeftCamera: surround, options: options, progress: progress) })
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
    /// (`SurfaceEstimation`); the maps lose the outliers' disparities.
    static func estimateSurfaces(pairs: [StereoPair], maps: inout [DisparityMap], reports: inout [PairReport], rig: Rig, options: ReconstructionOptions)
        -> (organized: [OrganizedPoints], normals: [[SIMD3<Float>]], planeNormals: [[SIMD3<Float>]]) {
        var organized = zip(pairs, maps).map { OrganizedPoints(pair: $0, disparity: $1) }
        var normals: [[SIMD3<Float>]] = [], planeNormals: [[SIMD3<Float>]] = []
        for k in pairs.indices {
            let (n, planeN, removed) = SurfaceEstimation.normals(&organized[k], viewpoint: rig.cameras[pairs[k].left].centre, options: options.surface)
            normals.append(n); planeNormals.append(planeN)
            reports[k].outliers = removed
            maps[k].disparity = organized[k].disparity
        }
        return (organized, normals, planeNormals)
    }

    /// Third-view confirmation through the neighbouring pairs that share a camera
    /// (`MultiViewRefinement`), which also finds the duplicates between pairs.
    static func confirmByThirdViews(_ organized: inout [OrganizedPoints], reports: inout [PairReport], pairs: [StereoPair], maps: [DisparityMap],
                                    rig: Rig, options: ReconstructionOptions) {
        var consumed = maps.map { [Bool](repeating: false, count: $0.width * $0.height) }
        for a in pairs.indices {
            for b in pairs.indices where b != a && (pairs[b].left == pairs[a].right || pairs[b].left == pairs[a].left) {
                let counts = MultiViewRefinement.refine(&organized[a], pair: pairs[a], other: pairs[b], otherDisparity: maps[b],
                                                        rig: rig, consumed: &consumed[b], tolerance: options.threeViewTolerance)
                reports[a].threeView += counts.refined
                reports[a].threeViewRejected += counts.rejected
                reports[a].threeViewRMS = counts.rms
                // Points of b confirmed (or contradicted) through a's are duplicates.
                var duplicates = 0
                for i in consumed[b].indices where consumed[b][i] && !organized[b].positions[i].x.isNaN {
                    duplicates += 1
                    organized[b].positions[i] = SIMD3(repeating: .nan); organized[b].disparity[i] = .nan
                }
                reports[b].duplicates += duplicates
            }
        }
    }

    /// Removes points that disagree with another pair's surface where both see it, whose
    /// texture a third camera does not see there, two-view points that correlate poorly, and
    /// points the pair's cameras foreshorten too differently.
    static func removeConflicts(_ organized: inout [OrganizedPoints], reports: inout [PairReport], pairs: [StereoPair], maps: [DisparityMap],
                                normals: [[SIMD3<Float>]], planeNormals: [[SIMD3<Float>]], rectifiedLefts: [Image<Float>], gray: [Image<Float>],
                                rig: Rig, options: ReconstructionOptions) {
        var marks: [[Bool]] = []
        for p in pairs.indices {
            // Cameras and pairs looking from more than 90° away from this pair's left camera
            // cannot see its surface (on a surround rig, most of them): not visited.
            let axis = rig.cameras[pairs[p].left].camFromWorld.rotation.matrix.row2
            func facing(_ c: Int) -> Bool { (rig.cameras[c].camFromWorld.rotation.matrix.row2 * axis).sum() > 0 }
            let others = rig.cameras.indices.filter { $0 != pairs[p].left && $0 != pairs[p].right && facing($0) }.map { (rig.cameras[$0], gray[$0]) }
            var mark = PhotometricCheck.conflicts(organized[p], normals: normals[p], leftRectified: rectifiedLefts[p], cameras: others)
            // Two-view points must match closely at full resolution (three views vouch for the others).
            for i in mark.indices where organized[p].views[i] < 3 && maps[p].confidence[i] < Float(options.minimumTwoViewCorrelation) { mark[i] = true }
            // Seen at too different scales by the pair's cameras, or from behind by either.
            let eyes = (SIMD3<Float>(rig.cameras[pairs[p].left].centre), SIMD3<Float>(rig.cameras[pairs[p].right].centre))
            let ratio = Float(options.maximumForeshortening)
            for i in mark.indices where !organized[p].positions[i].x.isNaN {
                let x = organized[p].positions[i], n = planeNormals[p][i]
                // Rectified pixels per unit area of the surface, up to a factor both cameras
                // share (the point has one depth in both rectified frames): n · (eye − x).
                func scale(_ eye: SIMD3<Float>) -> Float { (n * (eye - x)).sum() }
                let a = scale(eyes.0), b = scale(eyes.1)
                if a <= 0 || b <= 0 || a > ratio * b || b > ratio * a { mark[i] = true }
            }
            for q in pairs.indices where q != p && facing(pairs[q].left) {
                let m = CrossPairCheck.conflicts(organized[p], normals: normals[p], other: organized[q], otherPair: pairs[q])
                for i in mark.indices where m[i] { mark[i] = true }
            }
            marks.append(mark)
        }
        for p in pairs.indices {
            for i in marks[p].indices where marks[p][i] && !organized[p].positions[i].x.isNaN {
                organized[p].positions[i] = SIMD3(repeating: .nan); organized[p].disparity[i] = .nan
                reports[p].conflicts += 1
            }
        }
    }

    /// The pairs' points in one cloud, coloured from their left cameras, inside the working
    /// range; the points' median spacing on the surface (mm: a rectified pixel at their
    /// distance).
    static func fuse(_ organized: [OrganizedPoints], normals: [[SIMD3<Float>]], reports: inout [PairReport], pairs: [StereoPair], colour: [Image<UInt8>],
                     rig: Rig, range: ClosedRange<Double>, options: ReconstructionOptions) -> (cloud: PointCloud, outside: Int, pointSpacing: Double?) {
        let surround = Reconstructor.surrounds(rig)
        var cloud = PointCloud(), outside = 0, footprints: [Double] = []
        for k in pairs.indices {
            let pair = pairs[k]
            var part = PointCloud()
            let image = colour[pair.left]
            for i in organized[k].positions.indices where !organized[k].positions[i].x.isNaN {
                part.positions.append(organized[k].positions[i])
                part.normals.append(normals[k][i])
                part.views.append(organized[k].views[i])
                // Colour from the left camera's original image at the point's pixel (nearest).
                let s = pair.leftMap.source[i]
                let x = min(max(Int(s.x.rounded()), 0), image.width - 1), y = min(max(Int(s.y.rounded()), 0), image.height - 1)
                if image.layout == .gray {
                    let v = image.pixels[y * image.width + x]; part.colors.append(SIMD3(v, v, v))
                } else {
                    let c = image.layout.channels, j = (y * image.width + x) * c
                    part.colors.append(SIMD3(image.pixels[j], image.pixels[j + 1], image.pixels[j + 2]))
                }
            }
            // The points' spacing on the surface: a rectified pixel at the point's distance.
            let step = max(1, part.count / 500)
            for i in stride(from: 0, to: part.count, by: step) {
                footprints.append(length(SIMD3<Double>(part.positions[i]) - rig.cameras[pair.left].centre) / pair.rectification.focal)
            }
            let inPart = part.count
            part = part.within(range, of: rig.cameras[surround ? pair.left : 0].centre)
            outside += inPart - part.count
            reports[k].points = part.count
            cloud.append(part)
        }
        if let size = options.voxelSize { cloud = cloud.voxelDownsampled(size: size) }
        footprints.sort()
        return (cloud, outside, footprints.isEmpty ? nil : footprints[footprints.count / 2])
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
            progress(String(format: "meshed: %d vertices, %d faces, %@ (%.1f s)", made.mesh.vertices.count, made.mesh.faces.count,
                            t.isClosed ? "closed" : "open", clock.lap("mesh")))
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
