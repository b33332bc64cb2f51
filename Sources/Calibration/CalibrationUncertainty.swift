import Foundation
import Geometry
import LinearAlgebra

/// What the calibration's own uncertainty does to points triangulated with the rig.
public struct CalibrationErrorEstimate: Sendable, Equatable {
    /// RMS 3D displacement of a point (mm), in the first camera's frame. Much of it is a
    /// common shift or turn of the whole surface, which moves no measurement.
    public var position: Double
    /// RMS error of the distance between two points of the surface (mm): what a measured
    /// length inherits from the calibration alone.
    public var distance: Double
    /// The span (mm) of the points the estimate used, at the working distance.
    public var span: Double
}

extension RigCalibrationResult {
    /// The error that the calibration's own uncertainty puts into points triangulated at
    /// `distance` mm in front of the first camera: camera parameters are drawn from their
    /// covariance at the optimum (Monte Carlo, `samples` draws, seeded), points on a 5×5
    /// grid at that distance seen by every camera are projected with the estimated rig and
    /// triangulated back with the drawn one (least-squares ray meeting). Nil for a
    /// one-camera rig or without a covariance.
    public func triangulationError(atDistance distance: Double, samples: Int = 200, seed: UInt64 = 1) -> CalibrationErrorEstimate? {
        guard rig.cameras.count >= 2, let covariance = cameraCovariance,
              let l = try? covariance.cholesky() else { return nil }
        let first = rig.cameras[0]
        // Points across the first camera's view at this distance that every camera sees.
        var points: [SIMD3<Double>] = []
        for gy in 0..<5 {
            for gx in 0..<5 {
                let px = SIMD2(Double(first.camera.imageWidth) * (0.1 + 0.2 * Double(gx)), Double(first.camera.imageHeight) * (0.1 + 0.2 * Double(gy)))
                guard let ray = first.camera.ray(throughPixel: px) else { continue }
                let x = first.camFromWorld.inverse.apply(ray * (distance / ray.z))
                if rig.cameras.allSatisfy({ c in c.camera.project(x, camFromWorld: c.camFromWorld).map { c.camera.contains(pixel: $0) } ?? false }) {
                    points.append(x)
                }
            }
        }
        guard !points.isEmpty else { return nil }
        let pixels = points.map { x in rig.cameras.map { $0.camera.project(x, camFromWorld: $0.camFromWorld)! } }
        var random = GaussianSource(seed: seed)
        var total = 0.0, count = 0, distanceTotal = 0.0, distanceCount = 0
        for _ in 0..<samples {
            let z = (0..<covariance.rows).map { _ in random.next() }
            let delta = l * z
            let drawn = perturbed(delta)
            var moved: [(SIMD3<Double>, SIMD3<Double>)] = []
            for (x, seen) in zip(points, pixels) {
                guard let y = triangulate(drawn, seen) else { continue }
                total += ((y - x) * (y - x)).sum(); count += 1
                moved.append((x, y))
            }
            for a in moved.indices {
                for b in moved.indices where b > a {
                    let e = length(moved[a].1 - moved[b].1) - length(moved[a].0 - moved[b].0)
                    distanceTotal += e * e; distanceCount += 1
                }
            }
        }
        guard count > 0, distanceCount > 0 else { return nil }
        var span = 0.0
        for a in points { for b in points { span = max(span, length(a - b)) } }
        return CalibrationErrorEstimate(position: (total / Double(count)).squareRoot(),
                                        distance: (distanceTotal / Double(distanceCount)).squareRoot(), span: span)
    }

    /// The rig with camera parameters moved by `delta` (layout of `cameraCovariance`).
    func perturbed(_ delta: [Double]) -> Rig {
        var out = rig
        let ni = intrinsicCount, nc = rig.cameras.count
        for c in 0..<nc {
            var cam = out.cameras[c].camera
            let o = ni * c
            cam.intrinsics = Intrinsics(fx: cam.intrinsics.fx + delta[o], fy: cam.intrinsics.fy + delta[o + 1],
                                        cx: cam.intrinsics.cx + delta[o + 2], cy: cam.intrinsics.cy + delta[o + 3])
            let d = cam.distortion
            cam.distortion = Distortion(k1: d.k1 + delta[o + 4], k2: d.k2 + delta[o + 5], p1: d.p1 + delta[o + 6],
                                        p2: d.p2 + delta[o + 7], k3: d.k3 + (ni > 8 ? delta[o + 8] : 0))
            out.cameras[c].camera = cam
            if c > 0 {
                let p = ni * nc + 6 * (c - 1)
                let pose = out.cameras[c].camFromWorld
                let r = pose.rotation.rodrigues + SIMD3(delta[p], delta[p + 1], delta[p + 2])
                out.cameras[c].camFromWorld = RigidTransform(rodrigues: r, translation: pose.translation + SIMD3(delta[p + 3], delta[p + 4], delta[p + 5]))
            }
        }
        return out
    }
}

/// The point nearest (least squares) to the rays through `pixels` of the rig's cameras.
func triangulate(_ rig: Rig, _ pixels: [SIMD2<Double>]) -> SIMD3<Double>? {
    var a = Matrix3x3.zero, b = SIMD3<Double>.zero
    for (camera, px) in zip(rig.cameras, pixels) {
        guard let ray = camera.camera.ray(throughPixel: px) else { return nil }
        let worldFromCam = camera.camFromWorld.inverse
        let d = worldFromCam.rotation.apply(ray), c = worldFromCam.translation
        let m = Matrix3x3.identity - Matrix3x3.outer(d, d)
        a = a + m
        b += m * c
    }
    guard let inverse = a.inverse else { return nil }
    return inverse * b
}

/// Seeded standard normal numbers (SplitMix64 + Box–Muller).
struct GaussianSource {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
    }
    mutating func next() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
