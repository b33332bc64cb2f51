import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism

/// Agreement between pairs where their views overlap: a point of one pair that faces
/// another pair's left camera should lie on that pair's surface as its camera sees it.
/// Mismatches that are self-consistent within one pair (a patch matched a few pixels
/// off, which a local plane test cannot see) disagree with the other pair's surface there.
public enum CrossPairCheck {
    /// Marks the points of `points` (pair `pair`) that lie in front of or behind the surface
    /// `other` (pair `otherPair`) reconstructs along the same ray of `otherPair`'s left
    /// camera by more than `tolerance` px of that pair's disparity (f·B·|1/z − 1/z'|) but
    /// less than `sameSurface` px — farther off, the point is on another surface that camera
    /// cannot see, not a mismatch — where `other` has a surface and the point's normal faces
    /// that camera. Points confirmed by three views are never marked. Disparities, not
    /// millimetres: a capture scaled ×10 marks the same points. On the 5 MP arc (f ≈ 4000 px,
    /// B ≈ 344 mm) 1.5 px and 64 px are 1.09 mm and 46 mm at 1000 mm, where the former
    /// limits were 1 mm and 50 mm.
    public static func conflicts(_ points: OrganizedPoints, normals: [SIMD3<Float>], other: OrganizedPoints, otherPair: StereoPair,
                                 tolerance: Float = 1.5, sameSurface: Float = 64) -> [Bool] {
        let rect = otherPair.rectification
        guard rect.isHorizontal else { return [Bool](repeating: false, count: points.positions.count) }
        let toRect = otherPair.worldFromRectified.inverse
        let r = SIMD3<Float>(toRect.rotation.matrix.row0), r1 = SIMD3<Float>(toRect.rotation.matrix.row1), r2 = SIMD3<Float>(toRect.rotation.matrix.row2)
        let t = SIMD3<Float>(toRect.translation)
        let f = Float(rect.focal), cx = Float(rect.principal1.x), cy = Float(rect.principal1.y)
        let fb = Float(rect.focal * (rect.baseline * rect.baseline).sum().squareRoot())
        let ow = other.width, oh = other.height
        let eye = SIMD3<Float>(otherPair.worldFromRectified.translation)
        var marked = [Bool](repeating: false, count: points.positions.count)
        // Depth (along the rectified camera's z) of the other pair's surface per pixel.
        let depths = other.positions.map { $0.x.isNaN ? Float.nan : (r2 * $0).sum() + t.z }
        marked.withUnsafeMutableBufferPointer { mp in
            let m = UnsafeSendable(mp.baseAddress!)
            Parallel.perform(iterations: points.height) { y in
                for x in 0..<points.width {
                    let i = y * points.width + x
                    let p = points.positions[i]
                    guard !p.x.isNaN, points.views[i] < 3 else { continue }
                    // Facing the other camera (else it may rightly be hidden from it).
                    let toEye = eye - p
                    guard (normals[i] * toEye).sum() > 0.5 * (toEye * toEye).sum().squareRoot() else { continue }
                    let q = SIMD3((r * p).sum() + t.x, (r1 * p).sum() + t.y, (r2 * p).sum() + t.z)
                    guard q.z > 0 else { continue }
                    let u = f * q.x / q.z + cx, v = f * q.y / q.z + cy
                    // The other surface's depth: bilinear over four neighbours that have one.
                    guard let z = Bilinear.value(depths, width: ow, height: oh, at: SIMD2(Double(u), Double(v))) else { continue }
                    let off = fb * abs(1 / z - 1 / q.z)
                    if off > tolerance, off < sameSurface { m.pointer![i] = true }
                }
            }
        }
        return marked
    }
}
