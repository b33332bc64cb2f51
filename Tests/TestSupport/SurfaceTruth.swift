import Foundation
import Geometry
import LinearAlgebra
import Synthesis

/// How far reconstructed points lie from a synthetic scene's true surface, and how much of
/// the surface they cover: the ground-truth side of the reconstruction acceptance tests.
public struct SurfaceTruth {
    public let scene: any SceneSurface
    public let rig: Rig
    public let subjectFromWorld: RigidTransform

    public init(_ capture: SyntheticCapture) {
        scene = capture.scene; rig = capture.rig.rig; subjectFromWorld = capture.rig.subjectFromWorld
    }

    /// Unsigned distance (mm) from a world point to the surface: the hit of a camera ray
    /// through the point gives a first tangent plane; a ray cast back along its normal from
    /// 20 mm outside gives the closest point to second order. Infinity where no ray meets
    /// the surface within 20 mm of the point.
    public func distance(_ x: SIMD3<Double>) -> Double {
        let p = subjectFromWorld.apply(x)
        var best = Double.infinity
        for camera in rig.cameras {
            let c = subjectFromWorld.apply(camera.centre)
            let dir = normalize(p - c)
            guard let hit = scene.intersect(origin: c, direction: dir), length(hit.point - p) < 20 else { continue }
            var d = abs(dot(hit.normal, p - hit.point))
            if let again = scene.intersect(origin: p + 20 * hit.normal, direction: -hit.normal), length(again.point - p) < 20 {
                d = min(d, abs(dot(again.normal, p - again.point)))
            }
            best = min(best, d)
            if best < 0.5 { break }
        }
        return best
    }

    /// Summary of distances: RMS, 95th percentile, maximum (mm).
    public struct Distances: CustomStringConvertible {
        public var count: Int
        public var rms: Double
        public var p95: Double
        public var max: Double
        /// Points farther than 1 mm and 2 mm (over all points).
        public var beyond1 = 0
        public var beyond2 = 0
        public var description: String { String(format: "%d points, RMS %.4f mm, p95 %.4f mm, max %.3f mm (%d beyond 1 mm, %d beyond 2 mm)", count, rms, p95, max, beyond1, beyond2) }
    }

    public func distances(_ points: [SIMD3<Float>], sample: Int = 200_000) -> Distances {
        let step = Swift.max(1, points.count / sample)
        var ds: [Double] = []
        var i = 0
        while i < points.count { ds.append(distance(SIMD3<Double>(points[i]))); i += step }
        // The maximum is over every point, not the sample: check the rest quickly for far ones.
        var worst = 0.0, beyond1 = 0, beyond2 = 0
        for p in points {
            let d = distance(SIMD3<Double>(p)); worst = Swift.max(worst, d)
            if d > 1 { beyond1 += 1 }
            if d > 2 {
                beyond2 += 1
                if let debug = ProcessInfo.processInfo.environment["TRINOCULAR_DEBUG_FAR"], let h = FileHandle(forWritingAtPath: debug) {
                    let px = rig.cameras[0].camera.project(SIMD3<Double>(p), camFromWorld: rig.cameras[0].camFromWorld) ?? .zero
                    h.seekToEndOfFile(); h.write(Data(String(format: "%.1f %.1f %.2f\n", px.x, px.y, d).utf8)); h.closeFile()
                }
            }
        }
        ds.sort()
        let rms = (ds.reduce(0) { $0 + $1 * $1 } / Double(Swift.max(ds.count, 1))).squareRoot()
        let p95 = ds.isEmpty ? 0 : ds[Swift.min(ds.count - 1, Int(0.95 * Double(ds.count)))]
        return Distances(count: points.count, rms: rms, p95: p95, max: worst, beyond1: beyond1, beyond2: beyond2)
    }

    /// Coverage: of `count` surface samples seen by two or more cameras (each within
    /// `maximumAngle` degrees of the surface normal, unoccluded, inside the image), the
    /// fraction with a reconstructed point within `radius` mm.
    public func coverage(_ points: [SIMD3<Float>], maximumAngle: Double, radius: Double = 1, count: Int = 20_000) -> (fraction: Double, samples: Int) {
        // Hash the cloud (subject frame) in cells of `radius`.
        var grid: [SIMD3<Int32>: [SIMD3<Float>]] = [:]
        for q in points {
            let p = SIMD3<Float>(subjectFromWorld.apply(SIMD3<Double>(q)))
            grid[SIMD3<Int32>((p / Float(radius)).rounded(.down)), default: []].append(p)
        }
        let cosLimit = cos(maximumAngle * Double.pi / 180)
        var seen = 0, covered = 0
        for p in scene.samplePoints(count: count, seed: 7) {
            var cameras = 0
            var angles: [Double] = []
            for camera in rig.cameras {
                let c = subjectFromWorld.apply(camera.centre)
                let toPoint = p - c, dist = length(toPoint)
                guard let hit = scene.intersect(origin: c, direction: toPoint / dist), abs(hit.distance - dist) < 0.01 else { continue }
                guard dot(hit.normal, -toPoint / dist) > cosLimit else { continue }
                angles.append(acos(dot(hit.normal, -toPoint / dist)) * 180 / .pi)
                let world = subjectFromWorld.inverse.apply(p)
                guard let pixel = camera.camera.project(world, camFromWorld: camera.camFromWorld), camera.camera.contains(pixel: pixel) else { continue }
                cameras += 1
            }
            guard cameras >= 2 else { continue }
            seen += 1
            let key = SIMD3<Int32>((SIMD3<Float>(p) / Float(radius)).rounded(.down))
            var found = false
            search: for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
                for q in grid[key &+ SIMD3<Int32>(Int32(dx), Int32(dy), Int32(dz))] ?? [] where length(SIMD3<Double>(q) - p) <= radius {
                    found = true; break search
                }
            } } }
            if found { covered += 1 } else if let debug = ProcessInfo.processInfo.environment["TRINOCULAR_DEBUG_COVERAGE"] {
                let world = subjectFromWorld.inverse.apply(p)
                let px = rig.cameras[0].camera.project(world, camFromWorld: rig.cameras[0].camFromWorld) ?? .zero
                let line = String(format: "%.1f %.1f %@\n", px.x, px.y, angles.map { String(format: "%.0f", $0) }.joined(separator: " "))
                if let h = FileHandle(forWritingAtPath: debug) { h.seekToEndOfFile(); h.write(Data(line.utf8)); h.closeFile() }
            }
        }
        return (Double(covered) / Double(Swift.max(seen, 1)), seen)
    }
}
