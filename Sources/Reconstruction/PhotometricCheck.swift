import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism

/// The third view's photometric check for points only two cameras matched: the point's
/// neighbourhood on the reconstructed surface, projected into a third camera that faces it,
/// must show the same texture as the pair's left image shows there. A patch matched a few
/// pixels off lands on other texture in the third image, however consistent it is within
/// its own pair.
public enum PhotometricCheck {
    /// Marks two-view points of `points` whose surface patch (5 × 5 grid neighbours, 2 px
    /// apart) correlates (ZNCC) below `minimumCorrelation` between `leftRectified` (the
    /// pair's rectified left image) and the gray image of `camera`, for any camera of
    /// `cameras` that the point's normal faces within 60° and whose image holds the patch.
    public static func conflicts(_ points: OrganizedPoints, normals: [SIMD3<Float>], leftRectified: Image<Float>,
                                 cameras: [(RigCamera, Image<Float>)], minimumCorrelation: Float = 0.5) -> [Bool] {
        let w = points.width, h = points.height
        precondition(leftRectified.width == w && leftRectified.height == h, "the rectified image of the points' pair")
        var marked = [Bool](repeating: false, count: w * h)
        marked.withUnsafeMutableBufferPointer { mp in
            let m = UnsafeSendable(mp.baseAddress!)
            Parallel.perform(iterations: h) { y in
                var a = [Float](), b = [Float]()
                a.reserveCapacity(25); b.reserveCapacity(25)
                for x in 0..<w {
                    let i = y * w + x
                    let p = points.positions[i]
                    guard !p.x.isNaN, points.views[i] < 3 else { continue }
                    for (camera, image) in cameras {
                        let eye = SIMD3<Float>(camera.centre), toEye = eye - p
                        guard (normals[i] * toEye).sum() > 0.5 * (toEye * toEye).sum().squareRoot() else { continue }
                        a.removeAll(keepingCapacity: true); b.removeAll(keepingCapacity: true)
                        for dy in stride(from: -4, through: 4, by: 2) {
                            for dx in stride(from: -4, through: 4, by: 2) {
                                let xx = x + dx, yy = y + dy
                                guard xx >= 0, yy >= 0, xx < w, yy < h else { continue }
                                let q = points.positions[yy * w + xx], l = leftRectified.pixels[yy * w + xx]
                                guard !q.x.isNaN, !l.isNaN,
                                      let pixel = camera.camera.project(SIMD3<Double>(q), camFromWorld: camera.camFromWorld),
                                      let v = image.bilinear(at: pixel) else { continue }
                                a.append(l); b.append(v)
                            }
                        }
                        guard a.count >= 15, let ncc = zncc(a, b) else { continue }
                        if ncc < minimumCorrelation { m.pointer![i] = true; break }
                    }
                }
            }
        }
        return marked
    }

    static func zncc(_ a: [Float], _ b: [Float]) -> Float? {
        let n = Float(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for k in a.indices { let u = a[k] - ma, v = b[k] - mb; sab += u * v; saa += u * u; sbb += v * v }
        guard saa > 1, sbb > 1 else { return nil }  // no texture: no verdict
        return sab / (saa * sbb).squareRoot()
    }
}
