/// Bilinear interpolation on row-major grids (images, disparity and depth maps, pixel
/// maps), written once: the cell a point falls in and the weighted mix of its corners.
/// Pixel centres are at integer coordinates (OpenCV's convention).
public enum Bilinear {
    /// The cell of a `width` × `height` grid holding `p`: the index of its top-left corner
    /// and `p`'s fractions across it (0…1). Nil outside [0, width − 1] × [0, height − 1]
    /// (NaN included); a point on the last row or column uses the cell before it.
    @inlinable
    public static func cell(_ p: SIMD2<Double>, width: Int, height: Int) -> (index: Int, fx: Float, fy: Float)? {
        guard width >= 2, height >= 2, p.x >= 0, p.y >= 0, p.x <= Double(width - 1), p.y <= Double(height - 1) else { return nil }
        let x0 = min(Int(p.x), width - 2), y0 = min(Int(p.y), height - 2)
        return (y0 * width + x0, Float(p.x - Double(x0)), Float(p.y - Double(y0)))
    }

    /// The corners' mix: `a` top-left, `b` top-right, `c` bottom-left, `d` bottom-right.
    @inlinable
    public static func mix(_ a: Float, _ b: Float, _ c: Float, _ d: Float, fx: Float, fy: Float) -> Float {
        let top = a + fx * (b - a), bottom = c + fx * (d - c)
        return top + fy * (bottom - top)
    }

    @inlinable
    public static func mix(_ a: SIMD2<Float>, _ b: SIMD2<Float>, _ c: SIMD2<Float>, _ d: SIMD2<Float>, fx: Float, fy: Float) -> SIMD2<Float> {
        let top = a + fx * (b - a), bottom = c + fx * (d - c)
        return top + fy * (bottom - top)
    }

    /// The four corners of the cell at `index` in a grid of `width` columns.
    @inlinable
    public static func corners<T>(_ values: [T], index i: Int, width: Int) -> (T, T, T, T) {
        (values[i], values[i + 1], values[i + width], values[i + width + 1])
    }

    /// A grid's value at `p`; nil outside the grid, or where a corner is NaN (no value).
    @inlinable
    public static func value(_ values: [Float], width: Int, height: Int, at p: SIMD2<Double>) -> Float? {
        guard let (i, fx, fy) = cell(p, width: width, height: height) else { return nil }
        let (a, b, c, d) = corners(values, index: i, width: width)
        let v = mix(a, b, c, d, fx: fx, fy: fy)
        return v.isNaN ? nil : v
    }
}

extension Image where Component == Float {
    /// The gray image's value at `p` (bilinear; nil outside the image or where a corner is
    /// NaN, as outside a rectified image's source).
    @inlinable
    public func bilinear(at p: SIMD2<Double>) -> Float? {
        precondition(layout == .gray, "bilinear(at:) samples a gray image")
        return Bilinear.value(pixels, width: width, height: height, at: p)
    }
}

extension Image where Component == UInt8 {
    /// The image reduced by `factor` in each direction: each output pixel the rounded mean of
    /// a factor × factor block (the last partial row and column dropped), every channel kept.
    /// Matches `PinholeCamera.reduced(by:)`.
    public func reduced(by factor: Int) -> Image<UInt8> {
        precondition(factor >= 1, "a reduction factor is at least 1")
        guard factor > 1 else { return self }
        let c = layout.channels, w = width / factor, h = height / factor, area = factor * factor
        var out = [UInt8](repeating: 0, count: w * h * c)
        pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                for x in 0..<w {
                    for k in 0..<c {
                        var sum = 0
                        for dy in 0..<factor {
                            let row = ((y * factor + dy) * width + x * factor) * c + k
                            for dx in 0..<factor { sum += Int(p[row + dx * c]) }
                        }
                        out[(y * w + x) * c + k] = UInt8((sum + area / 2) / area)
                    }
                }
            }
        }
        return Image(width: w, height: h, layout: layout, pixels: out)
    }
}
