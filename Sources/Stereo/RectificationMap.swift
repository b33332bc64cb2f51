import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism

/// Where each pixel of a rectified image comes from in the original (distorted) image:
/// undistortion and rectification in one lookup (OpenCV's `initUndistortRectifyMap`).
/// Computed once per camera pair and reused for every capture of the rig.
public struct RectificationMap: Sendable {
    public let width: Int
    public let height: Int
    /// Source pixel (x, y) in the original image for each rectified pixel, row-major;
    /// NaN where the rectified pixel's ray points behind the camera.
    public let source: [SIMD2<Float>]

    /// The map of camera `k` (1 or 2) of `rectification`, whose original camera is `camera`.
    public init(_ rectification: StereoRectification, camera k: Int, original camera: PinholeCamera) {
        precondition(k == 1 || k == 2, "a pair has cameras 1 and 2")
        let w = rectification.imageWidth, h = rectification.imageHeight
        width = w; height = h
        let camFromRectified = (k == 1 ? rectification.rectified1FromCam1 : rectification.rectified2FromCam2).matrix.transposed
        let c = k == 1 ? rectification.principal1 : rectification.principal2
        let f = rectification.focal
        var out = [SIMD2<Float>](repeating: SIMD2(.nan, .nan), count: w * h)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let rows = SendablePointer(base)
            Parallel.perform(iterations: min(h, 64)) { band in
                for y in (band * h / min(h, 64))..<((band + 1) * h / min(h, 64)) {
                    let ny = (Double(y) - c.y) / f
                    for x in 0..<w {
                        let ray = camFromRectified * SIMD3((Double(x) - c.x) / f, ny, 1)
                        guard ray.z > 0 else { continue }
                        let distorted = camera.distortion.distort(SIMD2(ray.x, ray.y) / ray.z)
                        rows.pointer[y * w + x] = SIMD2<Float>(camera.intrinsics.pixel(fromNormalized: distorted))
                    }
                }
            }
        }
        source = out
    }

    /// Resamples a gray image through the map (bilinear). Pixels whose source lies outside
    /// the original image (beyond the outermost pixel centres) are NaN: no data, not black.
    ///
    /// Hot loop: unsafe buffers, rows in parallel; measured in Benchmarks/ ("Rectify 5 MP").
    public func remap(_ image: Image<Float>) -> Image<Float> {
        precondition(image.layout == .gray && image.width >= 2 && image.height >= 2, "remap takes a gray image of at least 2×2 pixels")
        let sw = image.width, sh = image.height
        let w = width, h = height
        var out = [Float](repeating: .nan, count: w * h)
        let maxX = Float(sw - 1), maxY = Float(sh - 1)
        image.pixels.withUnsafeBufferPointer { src in
            source.withUnsafeBufferPointer { map in
                out.withUnsafeMutableBufferPointer { dst in
                    let s = SendablePointer(UnsafeMutablePointer(mutating: src.baseAddress!))
                    let m = SendablePointer(UnsafeMutablePointer(mutating: map.baseAddress!))
                    let d = SendablePointer(dst.baseAddress!)
                    let bands = min(h, 64)
                    Parallel.perform(iterations: bands) { band in
                        for y in (band * h / bands)..<((band + 1) * h / bands) {
                            for x in 0..<w {
                                let p = m.pointer[y * w + x]
                                // NaN fails both comparisons and is skipped too.
                                guard p.x >= 0, p.y >= 0, p.x <= maxX, p.y <= maxY else { continue }
                                let x0 = min(Int(p.x), sw - 2), y0 = min(Int(p.y), sh - 2)
                                let fx = p.x - Float(x0), fy = p.y - Float(y0)
                                let i = y0 * sw + x0
                                let top = s.pointer[i] + fx * (s.pointer[i + 1] - s.pointer[i])
                                let bottom = s.pointer[i + sw] + fx * (s.pointer[i + sw + 1] - s.pointer[i + sw])
                                d.pointer[y * w + x] = top + fy * (bottom - top)
                            }
                        }
                    }
                }
            }
        }
        return Image(width: w, height: h, layout: .gray, pixels: out)
    }
}

/// A pointer handed to parallel workers that write disjoint parts of one buffer.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
