import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Reconstruction
import Stereo
import Synthesis
import Testing

/// Issue 18: fusion is a type of its own — third views confirm, conflicts go, the pairs'
/// points merge — with its own options and report; the same capture at ten times the size
/// (rig and subject) fuses the same points.
struct FusionTests {
    /// A plane facing the middle camera of the synthetic three-camera arc (18° apart, its
    /// translations × `scale`), `distance` × `scale` mm in front of it, as the exact
    /// disparities of pairs cam0–cam1 and cam1–cam2; `offset` px is added to pair cam1–cam2's
    /// disparities in a band of 20 rows (a mismatch). Texture-less gray images: the
    /// photometric check then has no verdict.
    struct Fixture {
        var rig: Rig
        var pairs: [Fusion.Pair]
        var gray: [Image<Float>]
        var colour: [Image<UInt8>]
        /// The plane: a point on it and its unit normal (toward the cameras), world mm.
        var planePoint: SIMD3<Double>
        var planeNormal: SIMD3<Double>
        var scale: Double
        /// The band's pixels, and those whose true point pair cam0–cam1 has (its pixel and
        /// the eight round it have a disparity): only there can another view tell the band
        /// is wrong.
        var bandPixels: Int
        var checkableBandPixels = 0

        init(scale: Double, offset: Float = 0, distance: Double = 1100) throws {
            var options = SyntheticRigOptions()
            options.scale = 0.25
            let base = try SyntheticRig(options).rig
            rig = Rig(cameras: base.cameras.map {
                RigCamera(id: $0.id, camera: $0.camera,
                          camFromWorld: RigidTransform(rotation: $0.camFromWorld.rotation, translation: $0.camFromWorld.translation * scale))
            })
            self.scale = scale
            let middle = rig.cameras[1]
            planeNormal = -middle.opticalAxis
            planePoint = middle.centre + distance * scale * middle.opticalAxis
            var pairs: [Fusion.Pair] = [], band = 0
            for (a, b) in [(0, 1), (1, 2)] {
                let pair = StereoPair(rig: rig, a, b)
                var map = Self.planeDisparities(pair, point: planePoint, normal: planeNormal)
                if offset != 0, a == 1 {
                    let w = map.width, exact = OrganizedPoints(pair: pair, disparity: map), first = pairs[0]
                    for y in (map.height / 3)..<(map.height / 3 + 20) {
                        for x in 0..<w where !map.disparity[y * w + x].isNaN {
                            map.disparity[y * w + x] += offset; band += 1
                            if Self.has(first, SIMD3<Double>(exact.positions[y * w + x])) { checkableBandPixels += 1 }
                        }
                    }
                }
                let points = OrganizedPoints(pair: pair, disparity: map)
                let n = SIMD3<Float>(planeNormal)
                let normals = points.positions.map { $0.x.isNaN ? SIMD3<Float>.zero : n }
                pairs.append(Fusion.Pair(pair: pair, points: points, normals: normals, slopes: Self.slopes(map), disparity: map,
                                         leftRectified: Image(width: map.width, height: map.height, layout: .gray,
                                                              pixels: [Float](repeating: 128, count: map.width * map.height))))
            }
            self.pairs = pairs
            bandPixels = band
            gray = rig.cameras.map {
                Image(width: $0.camera.imageWidth, height: $0.camera.imageHeight, layout: .gray,
                      pixels: [Float](repeating: 128, count: $0.camera.imageWidth * $0.camera.imageHeight))
            }
            colour = rig.cameras.map {
                Image(width: $0.camera.imageWidth, height: $0.camera.imageHeight, layout: .gray,
                      pixels: [UInt8](repeating: 128, count: $0.camera.imageWidth * $0.camera.imageHeight))
            }
        }

        /// The map's disparity slopes (px per px, central differences; zero where a
        /// neighbour has none).
        static func slopes(_ map: DisparityMap) -> [SIMD2<Float>] {
            let w = map.width, h = map.height, d = map.disparity
            return (0..<(w * h)).map { i in
                let x = i % w, y = i / w
                guard x > 0, x < w - 1, y > 0, y < h - 1 else { return .zero }
                let sx = (d[i + 1] - d[i - 1]) / 2, sy = (d[i + w] - d[i - w]) / 2
                return SIMD2(sx.isNaN ? 0 : sx, sy.isNaN ? 0 : sy)
            }
        }

        /// Whether the pair has a disparity at the world point's pixel and the eight round it.
        static func has(_ fused: Fusion.Pair, _ x: SIMD3<Double>) -> Bool {
            let q = fused.pair.rectification.disparityToDepth, p = fused.pair.worldFromRectified.inverse.apply(x)
            let u = Int((q[11] * p.x / p.z - q[3]).rounded()), v = Int((q[11] * p.y / p.z - q[7]).rounded())
            let m = fused.disparity
            guard u >= 1, v >= 1, u < m.width - 1, v < m.height - 1 else { return false }
            for dv in -1...1 { for du in -1...1 where m.disparity[(v + dv) * m.width + u + du].isNaN { return false } }
            return true
        }

        /// The pair's exact disparities of the plane (NaN where the left rectified pixel has
        /// no source or the right camera's pixel leaves its rectified image).
        static func planeDisparities(_ pair: StereoPair, point: SIMD3<Double>, normal: SIMD3<Double>) -> DisparityMap {
            let rect = pair.rectification, q = rect.disparityToDepth
            let w = pair.leftMap.width, h = pair.leftMap.height
            let r = pair.worldFromRectified.rotation.matrix, c = pair.worldFromRectified.translation
            var disparity = [Float](repeating: .nan, count: w * h)
            for y in 0..<h {
                for x in 0..<w where !pair.leftMap.source[y * w + x].x.isNaN {
                    let u: Double = (Double(x) + q[3]) / q[11], v: Double = (Double(y) + q[7]) / q[11]
                    let ray: SIMD3<Double> = r * SIMD3<Double>(u, v, 1)
                    let z = ((point - c) * normal).sum() / (ray * normal).sum()
                    let d = (q[11] / z - q[15]) / q[14]
                    if Double(x) - d >= 0, Double(x) - d <= Double(w - 1) { disparity[y * w + x] = Float(d) }
                }
            }
            return DisparityMap(width: w, height: h, disparity: disparity, confidence: [Float](repeating: 1, count: w * h))
        }

        func fuse(_ options: Fusion.Options = Fusion.Options(), range: ClosedRange<Double>? = nil) -> (cloud: PointCloud, report: Fusion.Report) {
            Fusion.run(pairs, rig: rig, gray: gray, colour: colour, workingRange: range ?? (500 * scale)...(2000 * scale), options: options)
        }

        /// The cloud's points' distances from the plane, in pixel footprints at the plane's
        /// distance (mm per rectified pixel).
        func distances(_ cloud: PointCloud) -> [Double] {
            let footprint = 1100 * scale / pairs[0].pair.rectification.focal
            return cloud.positions.map { abs(((SIMD3<Double>($0) - planePoint) * planeNormal).sum()) / footprint }
        }

        func largestDistance(_ cloud: PointCloud) -> Double { distances(cloud).max() ?? .nan }
    }

    @Test func threeViewsConfirmWhatTwoPairsShare() throws {
        let fixture = try Fixture(scale: 1)
        let (cloud, report) = fixture.fuse()
        let matched = fixture.pairs.map { $0.points.count }
        let first = report.pairs[0], second = report.pairs[1]
        // Most of pair cam0–cam1's points are seen by cam2 too: re-solved from three views,
        // exact to a hundredth of a pixel; their counterparts in cam1–cam2 are duplicates.
        #expect(Double(first.threeView) > 0.5 * Double(matched[0]), "\(first) of \(matched)")
        #expect(first.threeViewRejected == 0 && (first.threeViewRMS ?? 1) < 0.01, "\(first)")
        #expect(second.duplicates > first.threeView / 2, "\(second)")
        #expect(first.conflicts + second.conflicts < (matched[0] + matched[1]) / 100, "\(report)")
        // Every point kept is on the plane (within a fiftieth of a pixel's footprint), and
        // the counts add up: matched = kept + duplicates + conflicts + rejected.
        #expect(fixture.largestDistance(cloud) < 0.02, "\(fixture.largestDistance(cloud))")
        #expect(cloud.count == first.points + second.points && report.points == cloud.count)
        for (k, c) in report.pairs.enumerated() {
            #expect(matched[k] == c.points + c.duplicates + c.conflicts + c.outsideWorkingRange + c.threeViewRejected, "pair \(k): \(c)")
        }
        #expect(cloud.views.filter { $0 == 3 }.count == first.threeView)
        let spacing = try #require(report.pointSpacing)
        #expect(abs(spacing / (1100 / fixture.pairs[0].pair.rectification.focal) - 1) < 0.1, "\(spacing)")
    }

    @Test func aMismatchedBandIsRemovedAtAnyScale() throws {
        var kept: [Int] = []
        for scale in [1.0, 10.0] {
            let fixture = try Fixture(scale: scale, offset: 3)
            let (cloud, report) = fixture.fuse()
            // A 3 px error in a band of pair cam1–cam2. Where pair cam0–cam1 sees it, the third
            // view contradicts it: no three-view point is off the plane (the least-squares
            // point spread the error to ≤ 1 px per view and kept 8,623 of them, 72 % of the
            // band, before the pair's own point had to land on the third view's match).
            let distances = fixture.distances(cloud)
            let offThreeView = zip(distances, cloud.views).filter { $0 > 0.5 && $1 >= 3 }.count
            let off = distances.filter { $0 > 0.5 }.count
            #expect(fixture.checkableBandPixels > fixture.bandPixels * 9 / 10, "scale \(scale): \(fixture.checkableBandPixels) of \(fixture.bandPixels)")
            #expect(offThreeView == 0, "scale \(scale): \(offThreeView); \(report.pairs)")
            // Two-view points of the band between the pixels the other pair's points fall on
            // stay (1,787 measured: 15 %) — the other pair lost its own points there to the
            // contradiction, so no surface is left to compare them with.
            #expect(off < fixture.bandPixels / 5, "scale \(scale): \(off) band points kept of \(fixture.bandPixels); \(report.pairs)")
            kept.append(off)
        }
        // The same points at ten times the size (a column's last bit may differ).
        #expect(abs(kept[0] - kept[1]) <= 40, "\(kept)")
    }

    @Test func twoViewPointsNeedTheirCorrelation() throws {
        var fixture = try Fixture(scale: 1)
        // Only cam0–cam1 (no third view can vouch): half its pixels correlate at 0.5.
        fixture.pairs.removeLast()
        fixture.rig = Rig(cameras: Array(fixture.rig.cameras.prefix(2)))
        let m = fixture.pairs[0].disparity
        for i in stride(from: 0, to: m.width * m.height, by: 2) { fixture.pairs[0].disparity.confidence[i] = 0.5 }
        let (cloud, report) = fixture.fuse()
        let matched = fixture.pairs[0].points.count
        #expect(abs(Double(report.pairs[0].conflicts) / Double(matched) - 0.5) < 0.01, "\(report.pairs[0]) of \(matched)")
        #expect(abs(Double(cloud.count) / Double(matched) - 0.5) < 0.01)
        var lenient = Fusion.Options()
        lenient.minimumTwoViewCorrelation = 0.4
        #expect(fixture.fuse(lenient).cloud.count == matched)
    }

    @Test func theWorkingRangeKeepsWhatLiesInIt() throws {
        let fixture = try Fixture(scale: 1)
        let all = fixture.fuse()
        let none = fixture.fuse(range: 200...800)
        #expect(none.cloud.isEmpty && none.report.outsideWorkingRange == all.cloud.count, "\(none.report)")
        var coarse = Fusion.Options()
        coarse.voxelSize = 5
        let thinned = fixture.fuse(coarse)
        #expect(thinned.cloud.count < all.cloud.count / 10 && thinned.report.points == thinned.cloud.count)
    }

    @Test func optionsThatCannotWorkAreRefused() {
        var options = Fusion.Options()
        #expect(throws: Never.self) { try options.validate() }
        options.maximumForeshortening = 0.5
        #expect(throws: (any Error).self) { try options.validate() }
        options = Fusion.Options(); options.threeViewTolerance = 0
        #expect(throws: (any Error).self) { try options.validate() }
        options = Fusion.Options(); options.voxelSize = -1
        #expect(throws: (any Error).self) { try options.validate() }
        options = Fusion.Options(); options.minimumTwoViewCorrelation = .nan
        #expect(throws: (any Error).self) { try options.validate() }
    }
}
