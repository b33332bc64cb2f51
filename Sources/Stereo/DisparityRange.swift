import Foundation
import Geometry
import LinearAlgebra

extension StereoRectification {
    /// The disparities (px, along the pair's epipolar lines) of points inside `slab`, over the
    /// rays of rectified image 1 (a 33 × 33 grid) — the range a matcher has to search when
    /// the subject stands in a known working volume.
    ///
    /// - Parameter slab: where the subject may be (`WorkingSlab`, e.g. the working range in
    ///   front of the pair), in camera 1's frame (mm).
    /// - Returns: whole pixels, widened by 2 px each side (negative where the principal
    ///   points differ), no wider than what camera 2's image can show for each ray; nil if no
    ///   ray meets the slab in front of both cameras.
    public func disparityRange(slab: WorkingSlab) -> ClosedRange<Int>? {
        let inRectified = slab.transformed(by: RigidTransform(rotation: rectified1FromCam1, translation: .zero))
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
                // 0 ≤ u₂ ≤ extent − 1 (a stretch that starts at the camera otherwise asks
                // for disparities up to infinity).
                let along = isHorizontal ? u : v
                let visible = (along - (extent - 1))...along
                func disparity(_ s: Double) -> Double { s * ray.z > 1e-9 ? -focal * t / (s * ray.z) + shift : (t < 0 ? .infinity : -.infinity) }
                guard let (start, end) = inRectified.interval(rayFrom: .zero, direction: ray) else { continue }
                let a = disparity(start), b = end.isFinite ? disparity(end) : shift
                let low = max(min(a, b), visible.lowerBound), high = min(max(a, b), visible.upperBound)
                guard low <= high else { continue }
                lo = min(lo, low); hi = max(hi, high)
            }
        }
        guard lo.isFinite, hi.isFinite else { return nil }
        return Int((lo - 2).rounded(.down))...Int((hi + 2).rounded(.up))
    }
}
