import Foundation
import Interchange
import Geometry
import LinearAlgebra
import Parallelism

/// Normals and outlier removal on a pair's points while they still lie on the image grid:
/// a point's neighbours are the pixels around it, no search needed.
public enum SurfaceEstimation {
    /// Every threshold is in pixels of the pair's rectified images or of disparity, so the
    /// same capture at any scale (rig and subject ×10) keeps the same points: a plane in
    /// space is a plane in (column, row, disparity), whatever the millimetres.
    public struct Options: Sendable, Equatable {
        /// Half-size of the pixel window whose points fit the local plane: 3 → 7 × 7.
        public var halfWindow = 3
        /// A neighbour whose disparity differs from the point's by more than this many
        /// pixels per pixel of offset lies across a depth edge: another surface.
        public var disparityStep: Float = 1
        /// Fewest neighbours (the point included) a point needs to be kept.
        public var minimumNeighbours = 12
        /// A point farther from its neighbours' disparity plane than this many times their
        /// RMS distance to it, plus `planeSlack` px of disparity, is an outlier.
        public var planeSigmas: Float = 3
        /// Disparity px: the matcher's sub-pixel precision, below which a residual is noise.
        public var planeSlack: Float = 0.1
        public init() {}

        /// Refuses values no estimate can work with, naming the option.
        public func validate() throws {
            func bad(_ problem: String) -> FileProblem { FileProblem(file: "surface estimation options", problem: problem, fault: .workFailed) }
            guard (1...10).contains(halfWindow) else { throw bad("halfWindow must be 1…10 px") }
            guard disparityStep > 0, disparityStep.isFinite else { throw bad("disparityStep must be a positive number of px per px") }
            guard (3...(2 * halfWindow + 1) * (2 * halfWindow + 1)).contains(minimumNeighbours) else {
                throw bad("minimumNeighbours must be 3…\((2 * halfWindow + 1) * (2 * halfWindow + 1)) (the window's pixels)")
            }
            guard planeSigmas > 0, planeSigmas.isFinite, planeSlack >= 0, planeSlack.isFinite else { throw bad("planeSigmas must be > 0 and planeSlack ≥ 0 px") }
        }
    }

    /// Unit normals of each point's surface, turned toward `viewpoint` (the camera centre,
    /// world mm), by PCA of its neighbours in space (for meshing: the disparity plane's own
    /// normal made every 5 MP scene's mesh 3–4 % worse), and the slopes of its neighbours'
    /// disparity plane (px per px along x and y; least squares along disparity, sound however
    /// noisy the depth, for judging foreshortening). Points with too few neighbours on their
    /// surface, or off their neighbours' disparity plane, lose their position (NaN). Returns
    /// the normals, the slopes and how many points were removed.
    public static func normals(_ points: inout OrganizedPoints, viewpoint: SIMD3<Double>, options: Options = Options())
        -> (normals: [SIMD3<Float>], slopes: [SIMD2<Float>], removed: Int) {
        let w = points.width, h = points.height, count = w * h
        let eye = SIMD3<Float>(viewpoint)
        // The outputs are made uninitialised and each row is cleared by the worker that fills
        // it: clearing 125 MB per 5 MP pair up front ran on one core, most of it the kernel
        // zeroing fresh pages (a third of this stage's time on 2 cores).
        var normals: [SIMD3<Float>] = [], slopes: [SIMD2<Float>] = [], keep: [Bool] = []
        points.disparity.withUnsafeBufferPointer { dp in
            points.positions.withUnsafeBufferPointer { pp in
                let p = UnsafeSendable(UnsafeMutablePointer(mutating: pp.baseAddress!))
                let d = UnsafeSendable(UnsafeMutablePointer(mutating: dp.baseAddress!))
                normals = [SIMD3<Float>](unsafeUninitializedCapacity: count) { np, normalsMade in
                    slopes = [SIMD2<Float>](unsafeUninitializedCapacity: count) { sp, slopesMade in
                        keep = [Bool](unsafeUninitializedCapacity: count) { kp, keepMade in
                            let n = UnsafeSendable(np.baseAddress!), sl = UnsafeSendable(sp.baseAddress!), k = UnsafeSendable(kp.baseAddress!)
                            Parallel.perform(iterations: h) { y in
                                let row = y * w
                                (n.pointer! + row).initialize(repeating: .zero, count: w)
                                (sl.pointer! + row).initialize(repeating: .zero, count: w)
                                (k.pointer! + row).initialize(repeating: false, count: w)
                                for x in 0..<w {
                                    guard let (normal, slope) = estimate(x: x, y: y, positions: p.pointer!, disparity: d.pointer!,
                                                                         width: w, height: h, eye: eye, options: options) else { continue }
                                    n.pointer![row + x] = normal
                                    sl.pointer![row + x] = slope
                                    k.pointer![row + x] = true
                                }
                            }
                            keepMade = count
                        }
                        slopesMade = count
                    }
                    normalsMade = count
                }
            }
        }
        var removed = 0
        for i in 0..<count where !keep[i] && !points.positions[i].x.isNaN {
            points.positions[i] = SIMD3(repeating: .nan); points.disparity[i] = .nan; removed += 1
        }
        return (normals, slopes, removed)
    }

    /// One point's normal (turned toward `eye`) and disparity-plane slopes, or nil when it has
    /// too few neighbours on its surface or lies off their disparity plane.
    @inline(__always)
    static func estimate(x: Int, y: Int, positions p: UnsafePointer<SIMD3<Float>>, disparity: UnsafePointer<Float>,
                         width w: Int, height h: Int, eye: SIMD3<Float>, options: Options) -> (SIMD3<Float>, SIMD2<Float>)? {
        let r = options.halfWindow
        let c = p[y * w + x], dc = disparity[y * w + x]
        guard !c.x.isNaN, !dc.isNaN else { return nil }
        // Moments relative to the centre point (Float is enough there), and
        // of the disparity plane d − dc = a + b·dx + c·dy.
        var count: Float = 0, s = SIMD3<Float>.zero
        var sxx: Float = 0, sxy: Float = 0, sxz: Float = 0, syy: Float = 0, syz: Float = 0, szz: Float = 0
        var plane = PlaneSums()
        for yy in max(0, y - r)...min(h - 1, y + r) {
            for xx in max(0, x - r)...min(w - 1, x + r) {
                let q = p[yy * w + xx], dq = disparity[yy * w + xx]
                guard !q.x.isNaN, !dq.isNaN else { continue }
                let step = Float(max(abs(xx - x), abs(yy - y), 1))
                guard abs(dq - dc) <= options.disparityStep * step else { continue }
                let e = q - c
                count += 1; s += e
                sxx += e.x * e.x; sxy += e.x * e.y; sxz += e.x * e.z
                syy += e.y * e.y; syz += e.y * e.z; szz += e.z * e.z
                plane.add(Float(xx - x), Float(yy - y), dq - dc)
            }
        }
        guard Int(count) >= options.minimumNeighbours else { return nil }
        // The centre's distance to its neighbours' disparity plane.
        guard let fit = plane.fit(),
              fit.offset <= options.planeSigmas * fit.rms + options.planeSlack else { return nil }
        // The surface's normal for meshing: PCA of the neighbours in space.
        let m = s / count
        let cov = Matrix3x3(rows: SIMD3(Double(sxx / count - m.x * m.x), Double(sxy / count - m.x * m.y), Double(sxz / count - m.x * m.z)),
                            SIMD3(Double(sxy / count - m.x * m.y), Double(syy / count - m.y * m.y), Double(syz / count - m.y * m.z)),
                            SIMD3(Double(sxz / count - m.x * m.z), Double(syz / count - m.y * m.z), Double(szz / count - m.z * m.z)))
        guard let (normal, _) = smallestEigenpair(cov) else { return nil }
        var nf = SIMD3<Float>(normal)
        // The disparity plane's slopes (px per px along x and y): least squares along
        // disparity, where the noise is, so they stay sound where depth noise exceeds the
        // points' spacing (narrow baselines), where PCA's normal turns at random. They tell
        // how differently the two cameras foreshorten the surface (`Fusion.Pair`).
        guard fit.b.isFinite, fit.c.isFinite else { return nil }
        if (nf * (eye - c)).sum() < 0 { nf = -nf }
        return (nf, SIMD2(Float(fit.b), Float(fit.c)))
    }

    /// Least-squares sums of a plane d = a + b·x + c·y over pixel offsets (x, y) from a point.
    /// Float: the offsets are whole pixels within the window and the disparities differences
    /// from the point's (a few px), so the sums are exact or nearly; the fit is in Double.
    struct PlaneSums {
        var n: Float = 0, sx: Float = 0, sy: Float = 0, sd: Float = 0
        var sxx: Float = 0, sxy: Float = 0, syy: Float = 0, sxd: Float = 0, syd: Float = 0, sdd: Float = 0

        @inline(__always)
        mutating func add(_ x: Float, _ y: Float, _ d: Float) {
            n += 1; sx += x; sy += y; sd += d
            sxx += x * x; sxy += x * y; syy += y * y; sxd += x * d; syd += y * d; sdd += d * d
        }

        /// The plane d = a + b·x + c·y, |a| — its distance from the point at offset (0, 0),
        /// which has d = 0 — and the RMS residual of the fit (px of disparity); nil when the
        /// offsets are collinear.
        func fit() -> (a: Double, b: Double, c: Double, offset: Float, rms: Float)? {
            let n = Double(n), sx = Double(sx), sy = Double(sy), sd = Double(sd), sxx = Double(sxx), sxy = Double(sxy)
            let syy = Double(syy), sxd = Double(sxd), syd = Double(syd), sdd = Double(sdd)
            // Normal equations [n sx sy; sx sxx sxy; sy sxy syy]·(a b c) = (sd sxd syd), by
            // the cofactors of the symmetric matrix (Cramer's rule).
            let c00 = sxx * syy - sxy * sxy, c01 = sxy * sy - sx * syy, c02 = sx * sxy - sxx * sy
            let c11 = n * syy - sy * sy, c12 = sx * sy - n * sxy, c22 = n * sxx - sx * sx
            let det = n * c00 + sx * c01 + sy * c02
            guard n > 3, abs(det) > 1e-9 * n * n * n else { return nil }
            let a = (c00 * sd + c01 * sxd + c02 * syd) / det
            let b = (c01 * sd + c11 * sxd + c12 * syd) / det
            let c = (c02 * sd + c12 * sxd + c22 * syd) / det
            let sse = max(0, sdd - (a * sd + b * sxd + c * syd))
            return (a, b, c, Float(abs(a)), Float((sse / (n - 3)).squareRoot()))
        }
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
