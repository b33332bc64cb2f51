import Foundation
import Parallelism
import Geometry
import Imaging
import Interchange
import LinearAlgebra
import Stereo

/// The camera pairs' points fused into one cloud, the part COLMAP's `mvs/fusion.h` plays:
/// a third camera confirms (and re-solves) each point it sees, which also finds the points
/// two pairs share; points that conflict are removed — with a third camera's texture, with
/// another pair's surface, with their own pair's correlation or foreshortening —; the rest
/// are merged, coloured from their pair's left camera, and kept inside the working range.
///
/// Every threshold is in pixels, disparities, correlations or ratios, so the fusion keeps
/// the same share of points at any size of rig; only the working range is in mm.
public enum Fusion {
    /// How points are confirmed, rejected and merged.
    public struct Options: Sendable, Equatable {
        /// The largest reprojection error (px) three views may show for a point they share.
        public var threeViewTolerance = 1.0
        /// The zero-mean normalized correlation of the full-resolution windows a point seen by
        /// two cameras only needs (points three cameras confirm are kept whatever it is);
        /// above 1, only points three cameras confirm are kept.
        public var minimumTwoViewCorrelation = 0.6
        /// Points whose surface the two cameras of their pair see at scales (pixels per mm along
        /// the surface) differing by more than this factor are dropped: a window in one view
        /// then covers a patch the other view's slanted window cannot follow (the refinement
        /// follows disparity slopes up to ±0.5 px/px: scales 1.5 and 2). It is 1 − the disparity
        /// slope along the baseline, so it holds at any size of rig and any focal length; a
        /// limit on the viewing angle did not (its disparity slope scales with d/f) and removed
        /// 15 % of good points of real pairs without changing any render's accuracy.
        public var maximumForeshortening = 2.0
        /// Down-sample the fused cloud to one point per voxel of this size (mm); nil keeps all.
        public var voxelSize: Double?

        public init() {}

        /// Refuses values no fusion can work with, naming the option.
        public func validate() throws {
            func bad(_ problem: String) -> FileProblem { FileProblem(file: "fusion options", problem: problem, fault: .workFailed) }
            guard threeViewTolerance > 0, threeViewTolerance.isFinite else { throw bad("threeViewTolerance must be a positive number of pixels") }
            guard minimumTwoViewCorrelation >= -1, minimumTwoViewCorrelation.isFinite else {
                throw bad("minimumTwoViewCorrelation must be ≥ −1 (a ZNCC; above 1 keeps three-view points only)")
            }
            guard maximumForeshortening >= 1, maximumForeshortening.isFinite else { throw bad("maximumForeshortening must be a ratio ≥ 1") }
            if let v = voxelSize, !(v > 0 && v.isFinite) { throw bad("voxelSize must be a positive number of mm") }
        }
    }

    /// One matched pair as fusion receives it: its triangulated grid (outliers already
    /// removed), the grid's normals (PCA of the neighbours, toward the cameras), how
    /// differently its two cameras foreshorten each point's surface, its disparity map (for
    /// the ZNCC and the third views) and its rectified left image (for the photometric check).
    public struct Pair: Sendable {
        public var pair: StereoPair
        public var points: OrganizedPoints
        public var normals: [SIMD3<Float>]
        /// Per pixel, the larger over the smaller of the two cameras' scales of the surface
        /// (rectified pixels per unit area); +∞ where either camera sees it from behind.
        public var foreshortening: [Float]
        public var disparity: DisparityMap
        public var leftRectified: Image<Float>

        /// `slopes`: the points' disparity-plane slopes (px per px along x and y,
        /// `SurfaceEstimation`). In rectified views a pixel of the left image covers 1 − s
        /// pixels of the right one along the baseline (s the slope that way; the other axis is
        /// shared): the ratio of the cameras' scales of the surface — the ratio of n · (C − x)
        /// for the two centres — at any focal length and size. 1 − s ≤ 0: the right camera
        /// sees the surface from behind.
        public init(pair: StereoPair, points: OrganizedPoints, normals: [SIMD3<Float>], slopes: [SIMD2<Float>],
                    disparity: DisparityMap, leftRectified: Image<Float>) {
            self.pair = pair; self.points = points; self.normals = normals
            self.disparity = disparity; self.leftRectified = leftRectified
            let horizontal = pair.rectification.isHorizontal
            foreshortening = zip(points.positions, slopes).map { x, s in
                guard !x.x.isNaN else { return .nan }
                let scale = 1 - (horizontal ? s.x : s.y)
                return scale <= 0 ? .infinity : max(scale, 1 / scale)
            }
        }
    }

    /// What fusion did to one pair's points.
    public struct PairCounts: Sendable, Codable, Equatable {
        /// Points confirmed (and re-solved) by a third camera; points a third camera
        /// contradicted (removed); the RMS reprojection error of the confirmed ones (px).
        public var threeView = 0
        public var threeViewRejected = 0
        public var threeViewRMS: Double?
        /// Points removed as duplicates of another pair's three-view points.
        public var duplicates = 0
        /// Points removed as conflicts: a third camera's texture, another pair's surface,
        /// a two-view correlation under the minimum, or too different foreshortening.
        public var conflicts = 0
        /// Points outside the working range, and points the pair contributes to the cloud.
        public var outsideWorkingRange = 0
        public var points = 0
        public init() {}
    }

    /// What fusion did, per pair (in the order given) and in all.
    public struct Report: Sendable, Codable, Equatable {
        public var pairs: [PairCounts]
        /// Points in the fused cloud (after the voxel grid, if any).
        public var points: Int
        public var outsideWorkingRange: Int { pairs.reduce(0) { $0 + $1.outsideWorkingRange } }
        /// The points' median spacing on the surface (mm): a rectified pixel at their distance.
        public var pointSpacing: Double?
    }

    /// Fuses `pairs` of `rig`'s cameras; `gray` (0…255) and `colour` are the capture's
    /// original images, by rig camera. The working range is the depth (mm) in front of each
    /// pair's cameras (`StereoPair.workingSlab`).
    /// The pairs are taken over (consumed): their grids are edited in place, not copied.
    public static func run(_ pairs: consuming [Pair], rig: Rig, gray: [Image<Float>], colour: [Image<UInt8>],
                           workingRange: ClosedRange<Double>, options: Options = Options()) -> (cloud: PointCloud, report: Report) {
        var counts = [PairCounts](repeating: PairCounts(), count: pairs.count)
        confirmByThirdViews(&pairs, counts: &counts, rig: rig, tolerance: options.threeViewTolerance)
        removeConflicts(&pairs, counts: &counts, rig: rig, gray: gray, options: options)
        var (cloud, spacing) = merge(pairs, counts: &counts, rig: rig, colour: colour, workingRange: workingRange)
        if let size = options.voxelSize { cloud = cloud.voxelDownsampled(size: size) }
        return (cloud, Report(pairs: counts, points: cloud.count, pointSpacing: spacing))
    }

    /// Third-view confirmation through the neighbouring pairs that share a camera
    /// (`MultiViewRefinement`); the other pair's points so confirmed or contradicted are
    /// duplicates, removed there.
    static func confirmByThirdViews(_ pairs: inout [Pair], counts: inout [PairCounts], rig: Rig, tolerance: Double) {
        var consumed = pairs.map { [Bool](parallelRepeating: false, count: $0.disparity.width * $0.disparity.height) }
        for a in pairs.indices {
            for b in pairs.indices where b != a && (pairs[b].pair.left == pairs[a].pair.right || pairs[b].pair.left == pairs[a].pair.left) {
                let done = MultiViewRefinement.refine(&pairs[a].points, pair: pairs[a].pair, other: pairs[b].pair, otherDisparity: pairs[b].disparity,
                                                      rig: rig, consumed: &consumed[b], tolerance: tolerance)
                counts[a].threeView += done.refined
                counts[a].threeViewRejected += done.rejected
                counts[a].threeViewRMS = done.rms
                for i in consumed[b].indices where consumed[b][i] && !pairs[b].points.positions[i].x.isNaN {
                    pairs[b].points.remove(i)
                    counts[b].duplicates += 1
                }
            }
        }
    }

    /// Marks, then removes, the points that conflict (see `conflicts`).
    static func removeConflicts(_ pairs: inout [Pair], counts: inout [PairCounts], rig: Rig, gray: [Image<Float>], options: Options) {
        let marks = pairs.indices.map { conflicts(of: $0, in: pairs, rig: rig, gray: gray, options: options) }
        for p in pairs.indices {
            for i in marks[p].indices where marks[p][i] && !pairs[p].points.positions[i].x.isNaN {
                pairs[p].points.remove(i)
                counts[p].conflicts += 1
            }
        }
    }

    /// Pair `p`'s points whose texture a third camera does not see there, two-view points
    /// that correlate poorly, points the pair's cameras foreshorten too differently (or see
    /// from behind), and points off another pair's surface where both see it.
    static func conflicts(of p: Int, in pairs: [Pair], rig: Rig, gray: [Image<Float>], options: Options) -> [Bool] {
        let this = pairs[p], left = rig.cameras[this.pair.left]
        // Cameras and pairs looking from more than 90° away from this pair's left camera
        // cannot see its surface (on a surround rig, most of them): not visited.
        let others = rig.cameras.indices.filter { $0 != this.pair.left && $0 != this.pair.right && left.faces(rig.cameras[$0]) }
        var mark = PhotometricCheck.conflicts(this.points, normals: this.normals, leftRectified: this.leftRectified,
                                              cameras: others.map { (rig.cameras[$0], gray[$0]) })
        // Two-view points must match closely at full resolution (three views vouch for the others).
        let minimum = Float(options.minimumTwoViewCorrelation)
        for i in mark.indices where this.points.views[i] < 3 && this.disparity.confidence[i] < minimum { mark[i] = true }
        // Seen at too different scales by the pair's cameras, or from behind by either.
        let ratio = Float(options.maximumForeshortening)
        for i in mark.indices where !this.points.positions[i].x.isNaN && this.foreshortening[i] > ratio { mark[i] = true }
        for q in pairs.indices where q != p && left.faces(rig.cameras[pairs[q].pair.left]) {
            let m = CrossPairCheck.conflicts(this.points, normals: this.normals, other: pairs[q].points, otherPair: pairs[q].pair)
            for i in mark.indices where m[i] { mark[i] = true }
        }
        return mark
    }

    /// The pairs' points in one cloud, coloured from their left cameras, inside each pair's
    /// working slab; with the points' median spacing on the surface (mm).
    static func merge(_ pairs: [Pair], counts: inout [PairCounts], rig: Rig, colour: [Image<UInt8>],
                      workingRange: ClosedRange<Double>) -> (PointCloud, Double?) {
        var cloud = PointCloud(), footprints: [Double] = []
        cloud.reserve(pairs.reduce(0) { $0 + $1.points.positions.count { !$0.x.isNaN } })
        for (k, fused) in pairs.enumerated() {
            let pair = fused.pair, points = fused.points, image = colour[pair.left]
            let slab = pair.workingSlab(rig: rig, depths: workingRange)
            let origin = SIMD3<Float>(slab.origin), axis = SIMD3<Float>(slab.axis)
            let near = Float(workingRange.lowerBound), far = Float(workingRange.upperBound)
            let first = cloud.count
            var inPart = 0
            for i in points.positions.indices where !points.positions[i].x.isNaN {
                let x = points.positions[i]
                inPart += 1
                let depth = ((x - origin) * axis).sum()
                guard depth >= near, depth <= far else { continue }
                cloud.positions.append(x)
                cloud.normals.append(fused.normals[i])
                cloud.views.append(points.views[i])
                cloud.colors.append(nearestColour(image, at: pair.leftMap.source[i]))
            }
            // The points' spacing on the surface: a rectified pixel at the point's distance.
            let kept = cloud.count - first, step = max(1, kept / 500)
            for i in stride(from: first, to: cloud.count, by: step) {
                footprints.append(length(SIMD3<Double>(cloud.positions[i]) - rig.cameras[pair.left].centre) / pair.rectification.focal)
            }
            counts[k].outsideWorkingRange = inPart - kept
            counts[k].points = kept
        }
        footprints.sort()
        return (cloud, footprints.isEmpty ? nil : footprints[footprints.count / 2])
    }

    /// The colour of the image's pixel nearest `p` (clamped into the image).
    static func nearestColour(_ image: Image<UInt8>, at p: SIMD2<Float>) -> SIMD3<UInt8> {
        guard p.x.isFinite, p.y.isFinite else { return .zero }  // a pixel without source has no point
        let x = min(max(Int(p.x.rounded()), 0), image.width - 1), y = min(max(Int(p.y.rounded()), 0), image.height - 1)
        if image.layout == .gray {
            let v = image.pixels[y * image.width + x]
            return SIMD3(v, v, v)
        }
        let j = (y * image.width + x) * image.layout.channels
        return SIMD3(image.pixels[j], image.pixels[j + 1], image.pixels[j + 2])
    }
}

extension OrganizedPoints {
    /// Removes pixel i's point (its position and disparity become NaN).
    mutating func remove(_ i: Int) {
        positions[i] = SIMD3(repeating: .nan); disparity[i] = .nan
    }
}
