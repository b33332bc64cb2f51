import Foundation
import Geometry
import LinearAlgebra
import Parallelism

/// Normals and outlier removal on a pair's points while they still lie on the image grid:
/// a point's neighbours are the pixels around it, no search needed.
public enum SurfaceEstimation {
    public struct Options: Sendable, Equatable {
        /// Half-size of the pixel window whose points fit the local plane: 3 → 7 × 7.
        public var halfWindow = 3
        /// Neighbours farther than this (mm) are another surface.
        public var neighbourRadius: Float = 3
        /// Fewest neighbours (the point included) a point needs to be kept.
        public var minimumNeighbours = 12
        /// A point farther from its neighbours' plane than this many times their RMS
        /// distance to it, plus `planeSlack` mm, is an outlier.
        public var planeSigmas: Float = 3
        public var planeSlack: Float = 0.05
        public init() {}
    }

    /// Unit normals by principal component analysis of each point's neighbourhood, turned
    /// toward `viewpoint` (the camera centre, world mm); points with too few neighbours or
    /// off their neighbours' plane lose their position (NaN). Returns the normals and how
    /// many points were removed.
    public static func normals(_ points: inout OrganizedPoints, viewpoint: SIMD3<Double>, options: Options = Options()) -> (normals: [SIMD3<Float>], removed: Int) {
        let w = points.width, h = points.height, r = options.halfWindow
        let radius2 = options.neighbourRadius * options.neighbourRadius
        let eye = SIMD3<Float>(viewpoint)
        var normals = [SIMD3<Float>](repeating: .zero, count: w * h)
        var keep = [Bool](repeating: false, count: w * h)
        points.positions.withUnsafeBufferPointer { pp in
            normals.withUnsafeMutableBufferPointer { np in
                keep.withUnsafeMutableBufferPointer { kp in
                    let p = UnsafeSendable(UnsafeMutablePointer(mutating: pp.baseAddress!)), n = UnsafeSendable(np.baseAddress!), k = UnsafeSendable(kp.baseAddress!)
                    Parallel.perform(iterations: h) { y in
                        for x in 0..<w {
                            let c = p.pointer![y * w + x]
                            guard !c.x.isNaN else { continue }
                            // Moments relative to the centre point (Float is enough there).
                            var count: Float = 0, s = SIMD3<Float>.zero
                            var sxx: Float = 0, sxy: Float = 0, sxz: Float = 0, syy: Float = 0, syz: Float = 0, szz: Float = 0
                            for yy in max(0, y - r)...min(h - 1, y + r) {
                                for xx in max(0, x - r)...min(w - 1, x + r) {
                                    let q = p.pointer![yy * w + xx]
                                    guard !q.x.isNaN else { continue }
                                    let e = q - c
                                    guard (e * e).sum() <= radius2 else { continue }
                                    count += 1; s += e
                                    sxx += e.x * e.x; sxy += e.x * e.y; sxz += e.x * e.z
                                    syy += e.y * e.y; syz += e.y * e.z; szz += e.z * e.z
                                }
                            }
                            guard Int(count) >= options.minimumNeighbours else { continue }
                            let m = s / count
                            let cov = Matrix3x3(rows: SIMD3(Double(sxx / count - m.x * m.x), Double(sxy / count - m.x * m.y), Double(sxz / count - m.x * m.z)),
                                                SIMD3(Double(sxy / count - m.x * m.y), Double(syy / count - m.y * m.y), Double(syz / count - m.y * m.z)),
                                                SIMD3(Double(sxz / count - m.x * m.z), Double(syz / count - m.y * m.z), Double(szz / count - m.z * m.z)))
                            guard let (normal, variance) = smallestEigenpair(cov) else { continue }
                            var nf = SIMD3<Float>(normal)
                            // The centre's distance to the plane through the neighbours' mean.
                            let offset = abs((nf * (-m)).sum())
                            guard offset <= options.planeSigmas * Float(max(variance, 0)).squareRoot() + options.planeSlack else { continue }
                            if (nf * (eye - c)).sum() < 0 { nf = -nf }
                            n.pointer![y * w + x] = nf
                            k.pointer![y * w + x] = true
                        }
                    }
                }
            }
        }
        var removed = 0
        for i in 0..<(w * h) where !keep[i] && !points.positions[i].x.isNaN {
            points.positions[i] = SIMD3(repeating: .nan); points.disparity[i] = .nan; removed += 1
        }
        return (normals, removed)
    }

    /// The smallest eigenvalue of a symmetric 3 × 3 matrix and a unit eigenvector for it
    /// (closed form: the trigonometric solution of the characteristic cubic, then the
    /// largest cross product of two rows of A − λI).
    public static func smallestEigenpair(_ a: Matrix3x3) -> (SIMD3<Double>, Double)? {
        let p1 = a.row0.y * a.row0.y + a.row0.z * a.row0.z + a.row1.z * a.row1.z
        let q = a.trace / 3
        let p2 = (a.row0.x - q) * (a.row0.x - q) + (a.row1.y - q) * (a.row1.y - q) + (a.row2.z - q) * (a.row2.z - q) + 2 * p1
        let p = (p2 / 6).squareRoot()
        guard p > 1e-30 else { return nil }  // a multiple of I: no preferred direction
        let b = (1 / p) * (a - q * .identity)
        let rr = max(-1, min(1, b.determinant / 2))
        let phi = acos(rr) / 3
        let smallest = q + 2 * p * cos(phi + 2 * Double.pi / 3)
        let m = a - smallest * .identity
        let c = [cross(m.row0, m.row1), cross(m.row0, m.row2), cross(m.row1, m.row2)]
        let best = c.max { dot($0, $0) < dot($1, $1) }!
        let len = length(best)
        guard len > 0, len.isFinite else { return nil }
        return (best / len, smallest)
    }
}
