import Foundation
import Imaging

/// Finds a checkerboard's inner corners in a photograph, in the board's object-point order
/// (row by row, x fastest), refined to sub-pixel accuracy.
///
/// 1. Corner candidates: the ChESS response (Bennett & Lasenby, "ChESS — Quick and robust
///    detection of chess-board features", CVIU 2014) on a 16-sample ring, on a pyramid
///    level about 1000–1300 px wide, with non-maximum suppression. It fires on X-junctions
///    and not on edges or on the L-corners where the squares meet the white border.
/// 2. Grid growing from a seed candidate: each step predicts the next corner by
///    extrapolating the local spacing (so perspective is followed) and takes the nearest
///    candidate within 35 % of the spacing. The grid must come out exactly cols × rows.
/// 3. Order: right-handed in the image (x right, y down), and the 180° ambiguity resolved
///    by the square between corners 0 and (1, 1) being dark (possible whenever cols + rows
///    is odd, e.g. 9×6; otherwise corner 0 is the one nearest the image's top-left).
/// 4. Sub-pixel refinement at full resolution by gradient orthogonality (as OpenCV's
///    `cornerSubPix`), in a window a quarter of the square size.
public struct ChessboardDetector: Sendable {
    public var innerColumns: Int
    public var innerRows: Int
    /// Largest half-width (px, full resolution) of the sub-pixel refinement window; the
    /// window is a quarter of the square's size in the image, at least 3 px.
    public var maximumRefinementHalfWindow = 15
    /// σ (px) of the Gaussian smoothing under the sub-pixel refinement's gradients; see
    /// `refine`. 0 uses the raw pixels, as OpenCV's `cornerSubPix` does.
    public var gradientSmoothing = 1.5

    public init(innerColumns: Int, innerRows: Int) {
        self.innerColumns = innerColumns; self.innerRows = innerRows
    }

    /// The outcome of one image.
    public enum Detection: Sendable {
        case found([SIMD2<Double>])
        /// Some corners were found but not the whole board (cut off, occluded, too oblique).
        case partial(found: Int)
        case notFound
    }

    /// Detects the board in an image (any layout; converted to gray).
    public func detect(_ image: Image<UInt8>) -> Detection {
        let gray = GrayImage(image.grayscale())
        var levels = [gray]
        while max(levels.last!.width, levels.last!.height) > 1300 { levels.append(levels.last!.halved()) }
        let level = levels.count - 1
        let scale = Double(1 << level)
        let candidates = ChessboardDetector.candidates(levels[level])
        guard candidates.count >= 4 else { return .notFound }
        var best = 0
        // Seeds: the strongest candidates first.
        let seeds = candidates.indices.sorted { candidates[$0].response > candidates[$1].response }.prefix(12)
        for seed in seeds {
            guard let grown = grow(from: seed, candidates.map(\.position)) else { continue }
            best = max(best, min(grown.count, innerColumns * innerRows))
            guard let grid = window(grown, candidates), let ordered = order(grid, levels[level]) else { continue }
            let squarePixels = ChessboardDetector.spacing(ordered, columns: innerColumns) * scale
            let refined = ordered.map { refine(gray, $0 * scale + SIMD2(repeating: (scale - 1) / 2), halfWindow: Int(max(3, min(Double(maximumRefinementHalfWindow), (squarePixels / 4).rounded())))) }
            return .found(refined)
        }
        return best > 0 ? .partial(found: best) : .notFound
    }

    // MARK: Candidates

    struct Candidate { var position: SIMD2<Double>; var response: Float }

    static func candidates(_ g: GrayImage) -> [Candidate] {
        let r = 5
        // The 16-point ring of radius 5 (Bennett & Lasenby's layout).
        let ring: [(Int, Int)] = [(0, -5), (2, -5), (4, -4), (5, -2), (5, 0), (5, 2), (4, 4), (2, 5),
                                  (0, 5), (-2, 5), (-4, 4), (-5, 2), (-5, 0), (-5, -2), (-4, -4), (-2, -5)]
        let w = g.width, h = g.height
        guard w > 2 * r + 2, h > 2 * r + 2 else { return [] }
        var response = [Float](repeating: 0, count: w * h)
        let offsets = ring.map { $0.1 * w + $0.0 }
        // Hot loop: one pass over the image with the ring's 16 offsets precomputed, sixteen
        // pixels of a row at a time (each ring sample a contiguous SIMD16 load); no allocation
        // per pixel (benchmarked in Benchmarks/: "Chessboard detection 5 MP").
        g.pixels.withUnsafeBufferPointer { p in
            response.withUnsafeMutableBufferPointer { out in
                offsets.withUnsafeBufferPointer { o in
                    for y in r..<(h - r) {
                        var x = r
                        while x + 16 <= w - r {
                            let value = ringResponse16(p.baseAddress! + y * w + x, o, width: w)
                            UnsafeMutableRawPointer(out.baseAddress! + y * w + x).storeBytes(of: value, as: SIMD16<Float>.self)
                            x += 16
                        }
                        for x in x..<(w - r) { out[y * w + x] = ringResponse(p.baseAddress! + y * w + x, o, width: w) }
                    }
                }
            }
        }
        let peak = response.max() ?? 0
        guard peak > 0 else { return [] }
        let threshold = 0.12 * peak
        var out: [Candidate] = []
        let nms = 3
        for y in (r + nms)..<max(r + nms, h - r - nms) {
            for x in (r + nms)..<max(r + nms, w - r - nms) {
                let v = response[y * w + x]
                guard v > threshold else { continue }
                var isMax = true
                search: for dy in -nms...nms {
                    for dx in -nms...nms where dx != 0 || dy != 0 {
                        let u = response[(y + dy) * w + x + dx]
                        if u > v || (u == v && (dy < 0 || (dy == 0 && dx < 0))) { isMax = false; break search }
                    }
                }
                guard isMax else { continue }
                // Quadratic peak interpolation for a better start.
                let l = response[y * w + x - 1], rr = response[y * w + x + 1], t = response[(y - 1) * w + x], b = response[(y + 1) * w + x]
                let ox = Double((l - rr) / (2 * (l - 2 * v + rr))), oy = Double((t - b) / (2 * (t - 2 * v + b)))
                out.append(Candidate(position: SIMD2(Double(x) + (ox.isFinite ? max(-0.5, min(0.5, ox)) : 0),
                                                     Double(y) + (oy.isFinite ? max(-0.5, min(0.5, oy)) : 0)), response: v))
            }
        }
        return out
    }

    /// The ChESS response at one pixel: the ring's opposite pairs against the pairs 90° away,
    /// less the opposite samples' differences, less the ring's mean against the centre's.
    @inline(__always)
    static func ringResponse(_ c: UnsafePointer<Float>, _ o: UnsafeBufferPointer<Int>, width w: Int) -> Float {
        var s = SIMD16<Float>()
        for k in 0..<16 { s[k] = c[o[k]] }
        let lo = s.lowHalf, hi = s.highHalf
        let pairs = lo + hi  // s[n] + s[n + 8], n = 0…7
        let quarter = pairs.lowHalf - pairs.highHalf  // n = 0…3: s[n]+s[n+8]−s[n+4]−s[n+12]
        var sum: Float = 0
        for n in 0..<4 { sum += abs(quarter[n]) }
        let d = lo - hi
        var diff: Float = 0
        for n in 0..<8 { diff += abs(d[n]) }
        let mean = s.sum() / 16
        let local = (c[0] + c[-1] + c[1] + c[-w] + c[w]) / 5
        return sum - diff - 16 * abs(mean - local)
    }

    /// `ringResponse` of sixteen consecutive pixels of a row, lane by lane.
    @inline(__always)
    static func ringResponse16(_ c: UnsafePointer<Float>, _ o: UnsafeBufferPointer<Int>, width w: Int) -> SIMD16<Float> {
        @inline(__always) func at(_ offset: Int) -> SIMD16<Float> { UnsafeRawPointer(c + offset).loadUnaligned(as: SIMD16<Float>.self) }
        // |v| by clearing the sign bits (pointwiseMax on SIMD16 is not vectorized).
        @inline(__always) func magnitude(_ v: SIMD16<Float>) -> SIMD16<Float> {
            unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        }
        let s = (at(o[0]), at(o[1]), at(o[2]), at(o[3]), at(o[4]), at(o[5]), at(o[6]), at(o[7]))
        let t = (at(o[8]), at(o[9]), at(o[10]), at(o[11]), at(o[12]), at(o[13]), at(o[14]), at(o[15]))
        let pairs = (s.0 + t.0, s.1 + t.1, s.2 + t.2, s.3 + t.3, s.4 + t.4, s.5 + t.5, s.6 + t.6, s.7 + t.7)
        let sum = magnitude(pairs.0 - pairs.4) + magnitude(pairs.1 - pairs.5) + magnitude(pairs.2 - pairs.6) + magnitude(pairs.3 - pairs.7)
        let diff = magnitude(s.0 - t.0) + magnitude(s.1 - t.1) + magnitude(s.2 - t.2) + magnitude(s.3 - t.3)
            + magnitude(s.4 - t.4) + magnitude(s.5 - t.5) + magnitude(s.6 - t.6) + magnitude(s.7 - t.7)
        let mean = (pairs.0 + pairs.1 + pairs.2 + pairs.3 + pairs.4 + pairs.5 + pairs.6 + pairs.7) / 16
        let local = (at(0) + at(-1) + at(1) + at(-w) + at(w)) / 5
        return sum - diff - 16 * magnitude(mean - local)
    }

    // MARK: Grid

    struct GridIndex: Hashable { var i: Int; var j: Int }

    /// The cols × rows (or rows × cols) block of a grown lattice that is complete; when the
    /// lattice ran past the board (onto the border's L-corners or clutter), the complete
    /// block with the strongest responses.
    func window(_ grid: [GridIndex: Int], _ candidates: [Candidate]) -> [GridIndex: SIMD2<Double>]? {
        let is_ = grid.keys.map(\.i), js = grid.keys.map(\.j)
        var best: (score: Float, block: [GridIndex: SIMD2<Double>])?
        for (w, h) in Set([[innerColumns, innerRows], [innerRows, innerColumns]]).map({ ($0[0], $0[1]) }) {
            guard is_.max()! - is_.min()! + 1 >= w, js.max()! - js.min()! + 1 >= h else { continue }
            for i0 in is_.min()!...(is_.max()! - w + 1) {
                for j0 in js.min()!...(js.max()! - h + 1) {
                    var block: [GridIndex: SIMD2<Double>] = [:]
                    var score: Float = 0
                    var complete = true
                    loop: for i in i0..<(i0 + w) {
                        for j in j0..<(j0 + h) {
                            guard let k = grid[GridIndex(i: i, j: j)] else { complete = false; break loop }
                            block[GridIndex(i: i, j: j)] = candidates[k].position
                            score += candidates[k].response
                        }
                    }
                    if complete, score > (best?.score ?? -1) { best = (score, block) }
                }
            }
        }
        return best?.block
    }

    /// Grows a lattice of candidates (indices) from a seed; nil if no two independent
    /// directions exist.
    func grow(from seed: Int, _ points: [SIMD2<Double>]) -> [GridIndex: Int]? {
        func distance(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }
        let p0 = points[seed]
        let neighbours = points.indices.filter { $0 != seed }.sorted { distance(points[$0], p0) < distance(points[$1], p0) }.prefix(8)
        guard let first = neighbours.first else { return nil }
        let e1 = points[first] - p0
        guard let second = neighbours.dropFirst().first(where: { k in
            let e = points[k] - p0
            let c = (e * e1).sum() / (distance(e, .zero) * distance(e1, .zero))
            return abs(c) < 0.5 && distance(e, .zero) < 2 * distance(e1, .zero)
        }) else { return nil }
        let e2 = points[second] - p0

        var position: [GridIndex: SIMD2<Double>] = [GridIndex(i: 0, j: 0): p0]
        var member: [GridIndex: Int] = [GridIndex(i: 0, j: 0): seed]
        var step: [GridIndex: (SIMD2<Double>, SIMD2<Double>)] = [GridIndex(i: 0, j: 0): (e1, e2)]
        var used: Set<Int> = [seed]
        var queue = [GridIndex(i: 0, j: 0)]
        var head = 0
        let limit = 4 * innerColumns * innerRows
        while head < queue.count, position.count < limit {
            let node = queue[head]; head += 1
            let p = position[node]!, (s1, s2) = step[node]!
            for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let next = GridIndex(i: node.i + di, j: node.j + dj)
                if position[next] != nil { continue }
                let delta = Double(di) * s1 + Double(dj) * s2
                let predicted = p + delta
                let radius = 0.35 * distance(delta, .zero)
                var bestIndex = -1, bestDistance = radius
                for k in points.indices where !used.contains(k) {
                    let d = distance(points[k], predicted)
                    if d < bestDistance { bestDistance = d; bestIndex = k }
                }
                guard bestIndex >= 0 else { continue }
                used.insert(bestIndex)
                let q = points[bestIndex]
                position[next] = q
                member[next] = bestIndex
                let observed = q - p
                step[next] = di != 0 ? (Double(di) * observed, s2) : (s1, Double(dj) * observed)
                queue.append(next)
            }
        }
        return member
    }

    /// Board order from a complete lattice, or nil if it is not exactly cols × rows.
    func order(_ grid: [GridIndex: SIMD2<Double>], _ image: GrayImage) -> [SIMD2<Double>]? {
        let is_ = grid.keys.map(\.i), js = grid.keys.map(\.j)
        let i0 = is_.min()!, j0 = js.min()!
        let width = is_.max()! - i0 + 1, height = js.max()! - j0 + 1
        guard grid.count == width * height else { return nil }
        var columnsAlongI: Bool
        if width == innerColumns && height == innerRows { columnsAlongI = true }
        else if width == innerRows && height == innerColumns { columnsAlongI = false }
        else { return nil }
        if innerColumns == innerRows {
            columnsAlongI = true
        }
        func at(_ c: Int, _ r: Int) -> SIMD2<Double> {
            columnsAlongI ? grid[GridIndex(i: i0 + c, j: j0 + r)]! : grid[GridIndex(i: i0 + r, j: j0 + c)]!
        }
        var corners: [SIMD2<Double>] = []
        for r in 0..<innerRows { for c in 0..<innerColumns { corners.append(at(c, r)) } }
        func index(_ c: Int, _ r: Int) -> Int { r * innerColumns + c }
        // Right-handed in the image: columns × rows steps have positive cross product.
        let sc = corners[index(1, 0)] - corners[index(0, 0)], sr = corners[index(0, 1)] - corners[index(0, 0)]
        if sc.x * sr.y - sc.y * sr.x < 0 {
            corners = (0..<innerRows).flatMap { r in (0..<innerColumns).map { c in corners[index(c, innerRows - 1 - r)] } }
        }
        // 180°: the square between corners 0 and (1, 1) is dark (so is the one diagonally
        // before corner 0); its neighbour along the row is light.
        let a = corners[index(0, 0)]
        let first = image.sample(0.5 * (a + corners[index(1, 1)]))
        let next = image.sample(0.5 * (corners[index(1, 0)] + corners[index(2, 1)]))
        let rotate: Bool
        if (innerColumns + innerRows) % 2 == 1 {
            rotate = first > next
        } else {
            let last = corners[corners.count - 1]
            rotate = (last.x + last.y) < (a.x + a.y)
        }
        return rotate ? corners.reversed() : corners
    }

    static func spacing(_ corners: [SIMD2<Double>], columns: Int) -> Double {
        var total = 0.0, count = 0
        for k in 0..<(corners.count - 1) where (k + 1) % columns != 0 {
            let d = corners[k + 1] - corners[k]
            total += (d * d).sum().squareRoot(); count += 1
        }
        return count > 0 ? total / Double(count) : 10
    }

    // MARK: Sub-pixel

    /// Gradient-orthogonality refinement: the corner c satisfies Σ_q w_q g_q g_qᵀ (c − q) = 0
    /// over the window (every gradient at q is orthogonal to q − c at an ideal corner).
    ///
    /// Gradients are taken on the window smoothed by a Gaussian of σ = `gradientSmoothing`
    /// px. On a sharp edge (no lens blur, no anti-aliasing filter) the squared gradients of
    /// the raw pixels sit unevenly about the edge — their centroid is off by up to ~0.06 px
    /// depending on where the edge falls within a pixel ("pixel locking"), and along an edge
    /// near the pixel axes that offset is the same everywhere, so it moves the corner.
    /// Smoothing first makes the gradient profile wide enough to be sampled evenly.
    func refine(_ g: GrayImage, _ start: SIMD2<Double>, halfWindow: Int) -> SIMD2<Double> {
        var c = start
        let sigma = Double(halfWindow) / 2
        let kernel = ChessboardDetector.gaussianKernel(sigma: gradientSmoothing)
        let kr = kernel.count / 2
        let margin = kr + 1
        let side = 2 * (halfWindow + margin) + 1
        var patch = [Double](repeating: 0, count: side * side), temp = patch
        for _ in 0..<30 {
            let cx = Int(c.x.rounded()), cy = Int(c.y.rounded())
            let x0 = cx - halfWindow - margin, y0 = cy - halfWindow - margin
            guard x0 >= 0, y0 >= 0, x0 + side <= g.width, y0 + side <= g.height else { return c }
            // The window and its margin, smoothed (separable; the margin's own border keeps
            // the raw values, which the window never reads).
            for y in 0..<side { for x in 0..<side { patch[y * side + x] = Double(g[x0 + x, y0 + y]) } }
            if kr > 0 {
                temp = patch
                for y in 0..<side {
                    for x in kr..<(side - kr) {
                        var v = 0.0
                        for k in -kr...kr { v += kernel[k + kr] * patch[y * side + x + k] }
                        temp[y * side + x] = v
                    }
                }
                for y in kr..<(side - kr) {
                    for x in 0..<side {
                        var v = 0.0
                        for k in -kr...kr { v += kernel[k + kr] * temp[(y + k) * side + x] }
                        patch[y * side + x] = v
                    }
                }
            }
            var a = 0.0, b = 0.0, d = 0.0, bx = 0.0, by = 0.0
            for py in margin..<(side - margin) {
                for px in margin..<(side - margin) {
                    let i = py * side + px
                    let gx = (patch[i + 1] - patch[i - 1]) / 2, gy = (patch[i + side] - patch[i - side]) / 2
                    let x = Double(x0 + px), y = Double(y0 + py)
                    let dx = x - c.x, dy = y - c.y
                    let weight = exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
                    let gxx = weight * gx * gx, gxy = weight * gx * gy, gyy = weight * gy * gy
                    a += gxx; b += gxy; d += gyy
                    bx += gxx * x + gxy * y
                    by += gxy * x + gyy * y
                }
            }
            let det = a * d - b * b
            guard abs(det) > 1e-12 else { return c }
            let next = SIMD2((d * bx - b * by) / det, (a * by - b * bx) / det)
            let move = next - c
            c = next
            if (move * move).sum() < 1e-6 { break }
        }
        return c
    }

    /// A normalized Gaussian kernel of radius ⌈3σ⌉ (σ ≤ 0: the identity).
    static func gaussianKernel(sigma: Double) -> [Double] {
        guard sigma > 0 else { return [1] }
        let r = Int((3 * sigma).rounded(.up))
        let k = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = k.reduce(0, +)
        return k.map { $0 / total }
    }
}

/// A Float gray image with bilinear sampling, for detection.
struct GrayImage: Sendable {
    let width: Int, height: Int
    var pixels: [Float]

    init(_ image: Image<UInt8>) {
        width = image.width; height = image.height
        let count = image.pixels.count
        // Sixteen pixels a step (a 5 MP image in ~1 ms, where `map` took ~5).
        pixels = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { p in
                var i = 0
                while i + 16 <= count {
                    let bytes = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD16<UInt8>.self)
                    UnsafeMutableRawPointer(out.baseAddress! + i).storeBytes(of: SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes)), as: SIMD16<Float>.self)
                    i += 16
                }
                while i < count { out[i] = Float(p[i]); i += 1 }
            }
            initialized = count
        }
    }

    init(width: Int, height: Int, pixels: [Float]) {
        self.width = width; self.height = height; self.pixels = pixels
    }

    subscript(x: Int, y: Int) -> Float { pixels[y * width + x] }

    /// 2× box-filtered downsampling (pixel (i, j) covers source pixels 2i…2i+1, 2j…2j+1).
    func halved() -> GrayImage {
        let w = width / 2, h = height / 2
        let source = width
        let out = [Float](unsafeUninitializedCapacity: w * h) { out, initialized in
            pixels.withUnsafeBufferPointer { p in
                for y in 0..<h {
                    let top = p.baseAddress! + 2 * y * source, bottom = top + source, row = out.baseAddress! + y * w
                    for x in 0..<w {
                        row[x] = 0.25 * (top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1])
                    }
                }
            }
            initialized = w * h
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Bilinear sample (edge-clamped).
    func sample(_ p: SIMD2<Double>) -> Float {
        let clamped = SIMD2(min(max(p.x, 0), Double(width - 1)), min(max(p.y, 0), Double(height - 1)))
        guard let (i, fx, fy) = Bilinear.cell(clamped, width: width, height: height) else { return pixels.first ?? 0 }  // under 2×2 px
        let (a, b, c, d) = Bilinear.corners(pixels, index: i, width: width)
        return Bilinear.mix(a, b, c, d, fx: fx, fy: fy)
    }
}
