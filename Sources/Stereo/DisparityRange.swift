import Foundation
import LinearAlgebra

extension StereoRectification {
    /// The disparities (px, along the pair's epipolar lines) of points whose distance from
    /// `origin` lies in `distances`, over the rays of rectified image 1 (a 33 × 33 grid) —
    /// the range a matcher has to search when the subject stands in a known working range.
    ///
    /// - Parameters:
    ///   - distances: near…far (mm), e.g. `capture.json`'s `workingRange`, measured from
    ///     the rig's first camera.
    ///   - origin: where that distance is measured from, in camera 1's frame (mm).
    /// - Returns: whole pixels, widened by 2 px each side (negative where the principal
    ///   points differ), no wider than what camera 2's image can show for each ray; nil if no
    ///   ray meets the range in front of both cameras.
    public func disparityRange(distances: ClosedRange<Double>, from origin: SIMD3<Double>) -> ClosedRange<Int>? {
        let o = rectified1FromCam1.matrix * origin
        let t = isHorizontal ? baseline.x : baseline.y
        let shift = isHorizontal ? principal1.x - principal2.x : principal1.y - principal2.y
        let extent = Double(isHorizontal ? imageWidth : imageHeight)
        var lo = Double.infinity, hi = -Double.infinity
        let steps = 32
        for gy in 0...steps {
            for gx in 0...steps {
                let u = Double(gx) / Double(steps) * Double(imageWidth - 1), v = Double(gy) / Double(steps) * Double(imageHeight - 1)
                let ray = normalize(SIMD3((u - principal1.x) / focal, (v - principal1.y) / focal, 1))
                // u₁ − u₂ = −f·t/Z + (c₁ − c₂), Z = s·ray.z; camera 2 shows it only if
                // 0 ≤ u₂ ≤ extent − 1 (a camera inside the range's shell otherwise asks
                // for disparities up to infinity).
                let along = isHorizontal ? u : v
                let visible = (along - (extent - 1))...along
                func disparity(_ s: Double) -> Double { s * ray.z > 1e-9 ? -focal * t / (s * ray.z) + shift : (t < 0 ? .infinity : -.infinity) }
                for (start, end) in Self.shellIntervals(ray: ray, origin: o, distances: distances) {
                    let a = disparity(start), b = disparity(end)
                    let low = max(min(a, b), visible.lowerBound), high = min(max(a, b), visible.upperBound)
                    guard low <= high else { continue }
                    lo = min(lo, low); hi = max(hi, high)
                }
            }
        }
        guard lo.isFinite, hi.isFinite else { return nil }
        return Int((lo - 2).rounded(.down))...Int((hi + 2).rounded(.up))
    }

    /// The stretches of a ray from the camera (s > 0 along the unit `ray`, mm) whose points lie
    /// `distances` from `origin`: inside the far sphere and outside the near one. A camera
    /// inside the shell gives a stretch that starts at the camera (s = 0).
    public static func shellIntervals(ray: SIMD3<Double>, origin o: SIMD3<Double>, distances: ClosedRange<Double>) -> [(Double, Double)] {
        let b = dot(ray, o), c = dot(o, o)
        // |s·ray − o| = ρ: s = b ± √(b² − c + ρ²)
        func roots(_ rho: Double) -> (Double, Double)? {
            let disc = b * b - c + rho * rho
            return disc >= 0 ? (b - disc.squareRoot(), b + disc.squareRoot()) : nil
        }
        guard let far = roots(distances.upperBound) else { return [] }
        let start = max(far.0, 0), end = far.1
        guard end > start else { return [] }
        guard let near = roots(distances.lowerBound), near.1 > start, near.0 < end else { return [(start, end)] }
        var out: [(Double, Double)] = []
        if near.0 > start { out.append((start, near.0)) }
        if near.1 < end { out.append((near.1, end)) }
        return out
    }
}
