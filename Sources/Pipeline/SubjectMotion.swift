import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Stereo

/// How the subject moved between two visits photographed by one rig, from its skin: patches
/// of each camera's earlier image found again in its later image (ZNCC, coarse to fine),
/// both ends lifted onto their visit's quick reconstruction, and the rigid motion fitted to
/// those 3D pairs (least squares, pairs farther than three times the median residual left out).
///
/// The skin's texture, not the surface's shape alone: a torso turned about its own axis is
/// nearly the same shape, which shape registration cannot see.
public enum SubjectMotion {
    public struct Estimate: Sendable {
        /// x_later = transform · x_earlier (mm, the rig's frame).
        public var transform: RigidTransform
        public var rotationDegrees: Double
        /// How far the matched skin's centre moved (mm).
        public var translationMm: Double
        /// 3D pairs used, and their RMS residual (mm).
        public var pairs: Int
        public var rms: Double
    }

    /// Patch half-size (px of the reduced images), grid step, and the search radius as a
    /// fraction of the image width (a turn of 10° at the rig's working distance moves the
    /// skin by about 5 % of the frame).
    static let halfSize = 6, step = 12, searchFraction = 0.08, minimumCorrelation: Float = 0.8

    /// nil when the previews are empty, of different rigs, or too few patches match.
    public static func estimate(from earlier: CapturePreview, to later: CapturePreview) -> Estimate? {
        guard earlier.cameras.map(\.id) == later.cameras.map(\.id), !earlier.cloud.isEmpty, !later.cloud.isEmpty else { return nil }
        var pairs: [(SIMD3<Double>, SIMD3<Double>)] = []
        for c in earlier.cameras.indices {
            let a = earlier.images[c], b = later.images[c]
            guard a.width == b.width, a.height == b.height else { return nil }
            let surfaceA = SurfaceLookup(earlier, camera: c), surfaceB = SurfaceLookup(later, camera: c)
            let matcher = PatchMatcher(a, b, halfSize: halfSize, radius: max(8, Int(searchFraction * Double(a.width))))
            let matches = matcher.matches(step: step, minimum: minimumCorrelation) { surfaceA.point(near: $0) != nil }
            for (p, q) in matches { if let x = surfaceA.point(near: p), let y = surfaceB.point(near: q) { pairs.append((x, y)) } }
        }
        return fit(pairs)
    }

    /// The rigid motion x → y of the pairs, refitted three times without the pairs farther
    /// than three median residuals (at least 20 pairs).
    static func fit(_ all: [(SIMD3<Double>, SIMD3<Double>)]) -> Estimate? {
        var kept = all, result: (RigidTransform, Double)?
        for _ in 0..<4 {
            guard kept.count >= 20, let t = kabsch(kept) else { return nil }
            let residuals = all.map { length(t.apply($0.0) - $0.1) }
            let cut = 3 * max(residuals.sorted()[residuals.count / 2], 1e-6)
            kept = zip(all, residuals).filter { $0.1 <= cut }.map(\.0)
            let inliers = residuals.filter { $0 <= cut }
            result = (t, (inliers.map { $0 * $0 }.reduce(0, +) / Double(max(inliers.count, 1))).squareRoot())
        }
        guard let (t, rms) = result, kept.count >= 20 else { return nil }
        let centre = kept.reduce(SIMD3<Double>.zero) { $0 + $1.0 } / Double(kept.count)
        return Estimate(transform: t, rotationDegrees: t.rotation.angle * 180 / .pi, translationMm: length(t.apply(centre) - centre), pairs: kept.count, rms: rms)
    }

    /// Least-squares rotation and translation taking each pair's first point to its second.
    static func kabsch(_ pairs: [(SIMD3<Double>, SIMD3<Double>)]) -> RigidTransform? {
        let n = Double(pairs.count)
        let cx = pairs.reduce(SIMD3<Double>.zero) { $0 + $1.0 } / n, cy = pairs.reduce(SIMD3<Double>.zero) { $0 + $1.1 } / n
        let m = pairs.reduce(Matrix3x3.zero) { $0 + Matrix3x3.outer($1.1 - cy, $1.0 - cx) }
        guard let r = try? Rotation(nearestTo: m) else { return nil }
        return RigidTransform(rotation: r, translation: cy - r.matrix * cx)
    }
}

/// The visit's surface point seen at a pixel of one camera: the preview's points projected
/// into the (reduced) camera, the nearest to the camera kept per pixel.
struct SurfaceLookup {
    let width: Int, height: Int
    var points: [SIMD3<Double>?]
    var depth: [Double]

    init(_ preview: CapturePreview, camera c: Int) {
        let camera = preview.cameras[c]
        width = camera.camera.imageWidth; height = camera.camera.imageHeight
        points = Array(repeating: nil, count: width * height); depth = Array(repeating: .infinity, count: width * height)
        for (k, p) in preview.cloud.positions.enumerated() {
            let x = SIMD3<Double>(p), n = SIMD3<Double>(preview.cloud.normals[k])
            guard dot(n, camera.centre - x) > 0 else { continue }  // facing away
            let local = camera.camFromWorld.apply(x)
            guard let pixel = camera.camera.project(cameraPoint: local) else { continue }
            let u = Int(pixel.x.rounded()), v = Int(pixel.y.rounded())
            guard u >= 0, v >= 0, u < width, v < height, local.z < depth[v * width + u] else { continue }
            depth[v * width + u] = local.z; points[v * width + u] = x
        }
    }

    /// The point at the pixel, or the nearest within 2 px.
    func point(near p: SIMD2<Int>) -> SIMD3<Double>? {
        for r in 0...2 {
            for dy in -r...r {
                for dx in -r...r where max(abs(dx), abs(dy)) == r {
                    let u = p.x + dx, v = p.y + dy
                    if u >= 0, v >= 0, u < width, v < height, let x = points[v * width + u] { return x }
                }
            }
        }
        return nil
    }
}

/// Where patches of one image are found again in another of the same size: ZNCC over a
/// square window, searched first at half resolution over the whole radius, then at full
/// resolution within 2 px of the coarse answer.
struct PatchMatcher: Sendable {
    let a: Image<Float>, b: Image<Float>, coarseA: Image<Float>, coarseB: Image<Float>
    let halfSize: Int, radius: Int

    init(_ a: Image<Float>, _ b: Image<Float>, halfSize: Int, radius: Int) {
        self.a = a; self.b = b; self.halfSize = halfSize; self.radius = radius
        coarseA = CoarseToFineMatcher.halved(a); coarseB = CoarseToFineMatcher.halved(b)
    }

    /// Pixel pairs (earlier, later) at the grid points `wanted` accepts whose patch has
    /// texture (standard deviation of 2 grey levels or more) and matches at `minimum` or better.
    func matches(step: Int, minimum: Float, wanted: (SIMD2<Int>) -> Bool) -> [(SIMD2<Int>, SIMD2<Int>)] {
        let margin = halfSize + 2
        var centres: [SIMD2<Int>] = []
        for y in stride(from: margin, to: a.height - margin, by: step) {
            for x in stride(from: margin, to: a.width - margin, by: step) where wanted(SIMD2(x, y)) { centres.append(SIMD2(x, y)) }
        }
        let found = Collector(count: centres.count), points = centres
        Parallel.perform(iterations: points.count) { k in found.set(k, match(points[k], minimum: minimum)) }
        return zip(centres, found.values).compactMap { p, q in q.map { (p, $0) } }
    }

    func match(_ p: SIMD2<Int>, minimum: Float) -> SIMD2<Int>? {
        guard let template = Patch(a, p, halfSize), template.deviation >= 2 else { return nil }
        let h2 = max(3, halfSize / 2), r2 = max(2, radius / 2)
        guard let coarse = Patch(coarseA, SIMD2(p.x / 2, p.y / 2), h2) else { return nil }
        var best = (score: Float(-2), at: SIMD2<Int>(0, 0))
        for dy in -r2...r2 {
            for dx in -r2...r2 {
                let s = coarse.zncc(coarseB, SIMD2(p.x / 2 + dx, p.y / 2 + dy))
                if s > best.score { best = (s, SIMD2(dx, dy)) }
            }
        }
        var fine = (score: Float(-2), at: p)
        for dy in -2...2 {
            for dx in -2...2 {
                let q = SIMD2(p.x + 2 * best.at.x + dx, p.y + 2 * best.at.y + dy)
                let s = template.zncc(b, q)
                if s > fine.score { fine = (s, q) }
            }
        }
        return fine.score >= minimum ? fine.at : nil
    }

    /// A window's values about their mean, and their standard deviation.
    struct Patch {
        let values: [Float], deviation: Float, halfSize: Int
        init?(_ image: Image<Float>, _ c: SIMD2<Int>, _ h: Int) {
            guard c.x - h >= 0, c.y - h >= 0, c.x + h < image.width, c.y + h < image.height else { return nil }
            var v: [Float] = []
            for y in (c.y - h)...(c.y + h) { for x in (c.x - h)...(c.x + h) { v.append(image.pixels[y * image.width + x]) } }
            let mean = v.reduce(0, +) / Float(v.count)
            values = v.map { $0 - mean }
            deviation = (values.reduce(0) { $0 + $1 * $1 } / Float(v.count)).squareRoot()
            halfSize = h
        }

        /// ZNCC with the same window about `c` in `image` (−2 outside it).
        func zncc(_ image: Image<Float>, _ c: SIMD2<Int>) -> Float {
            let h = halfSize
            guard c.x - h >= 0, c.y - h >= 0, c.x + h < image.width, c.y + h < image.height else { return -2 }
            var sum: Float = 0, sumSq: Float = 0, cross: Float = 0, k = 0
            for y in (c.y - h)...(c.y + h) {
                for x in (c.x - h)...(c.x + h) {
                    let v = image.pixels[y * image.width + x]
                    sum += v; sumSq += v * v; cross += v * values[k]; k += 1
                }
            }
            let n = Float(k), variance = sumSq / n - (sum / n) * (sum / n)
            guard variance > 1e-3, deviation > 0 else { return -2 }
            return cross / n / (variance.squareRoot() * deviation)
        }
    }

    /// One optional answer per index, filled by parallel workers.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [SIMD2<Int>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ k: Int, _ v: SIMD2<Int>?) { lock.lock(); values[k] = v; lock.unlock() }
    }
}
