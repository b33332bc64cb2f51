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
    ///   points differ); nil if no ray meets the range in front of both cameras.
    public func disparityRange(distances: ClosedRange<Double>, from origin: SIMD3<Double>) -> ClosedRange<Int>? {
        let o = rectified1FromCam1.matrix * origin
        let t = isHorizontal ? baseline.x : baseline.y
        let shift = isHorizontal ? principal1.x - principal2.x : principal1.y - principal2.y
        var lo = Double.infinity, hi = -Double.infinity
        let steps = 32
        for gy in 0...steps {
            for gx in 0...steps {
                let u = Double(gx) / Double(steps) * Double(imageWidth - 1), v = Double(gy) / Double(steps) * Double(imageHeight - 1)
                let ray = normalize(SIMD3((u - principal1.x) / focal, (v - principal1.y) / focal, 1))
                let b = dot(ray, o), c = dot(o, o)
                for rho in [distances.lowerBound, distances.upperBound] {
                    // |s·ray − o| = ρ: s = b ± √(b² − c + ρ²)
                    let disc = b * b - c + rho * rho
                    guard disc >= 0 else { continue }
                    for s in [b - disc.squareRoot(), b + disc.squareRoot()] where s > 0 {
                        let z = s * ray.z
                        guard z > 1e-6 else { continue }
                        // u₁ − u₂ = −f·t/Z + (c₁ − c₂)
                        let d = -focal * t / z + shift
                        lo = min(lo, d); hi = max(hi, d)
                    }
                }
            }
        }
        guard lo.isFinite, hi.isFinite else { return nil }
        return Int((lo - 2).rounded(.down))...Int((hi + 2).rounded(.up))
    }
}
