import Dispatch
import Foundation
import Imaging

/// How the coarse-to-fine matcher works a rectified pair, with defaults for skin at
/// 0.5–2 m and 1–5 MP.
public struct DenseMatchingOptions: Sendable, Equatable {
    /// Disparities searched (px at full resolution, d = u_left − u_right).
    public var disparities: ClosedRange<Int> = 0...63
    /// Semi-global matching at the coarsest level (its disparity range is set from
    /// `disparities`).
    public var coarse = MatchingOptions()
    /// Most disparities SGM searches at the coarsest level: the pyramid goes down by
    /// halves until the range fits.
    public var coarseDisparityLimit = 160
    /// Half-size of the correlation window at the finer levels (px): 4 → 9 × 9.
    public var windowHalfSize = 4
    /// Where the subject's texture is weak against noise, blur and compression — the median
    /// ZNCC of the full-resolution search's matches below `weakTextureCorrelation` — that
    /// search and the refinement use larger windows: 13 × 13 (twice the pixels, so the
    /// correlation's spread falls by √2), then one pixel more each side at a time while the
    /// median stays under the threshold, up to this half-size (7 → 15 × 15). Nil: always
    /// `windowHalfSize`.
    public var weakTextureWindowHalfSize: Int? = 7
    /// Measured: 0.97–0.98 on the 5 MP renders (sharp, speckled), 0.84–0.89 on the same
    /// degraded as real captures (texture × 0.15, blur 1.5 px, noise σ 3, JPEG 85), where
    /// 13 × 13 windows raised the mounds' frontal coverage 90.6 → 97.6 % and cut the RMS
    /// 0.19 → 0.13 mm; the threshold sits between.
    public var weakTextureCorrelation: Float = 0.93
    /// Whole pixels searched each side of twice the coarser level's disparity.
    public var searchRadius = 3
    /// Zero-mean normalized cross-correlation a match needs at the finer levels.
    public var minimumCorrelation: Float = 0.6
    /// The best correlation must beat any other not next to it by this much.
    public var uniquenessMargin: Float = 0.05
    /// Rivals are only other peaks of the correlation (local maxima), not the best peak's
    /// own shoulders 2–3 px out. Sharp texture gives narrow peaks, and a shoulder within the
    /// margin there marks an uncertain match (dropping it keeps the surround renders' volumes
    /// at −0.20 %, not −0.29 %); weak texture widens every peak (blur, larger windows), and the
    /// shoulder test then took 10 % of the degraded face. The matcher sets it where it
    /// switches to `weakTextureWindowHalfSize`.
    public var rivalsArePeaks = false
    /// Gauss–Newton steps of the final sub-pixel fit at full resolution.
    public var refinementSteps = 3
    /// Left–right check at full resolution (px). At 1 px (SGM's) the 5 MP renders' RMS
    /// rose 0.045 → 0.063 mm: the pixels between 0.5 and 1 px are mismatches there.
    public var leftRightTolerance: Float = 0.5
    /// Gaps in a coarser map up to this many pixels (of that level) along a row are
    /// bridged, when both ends agree to 2 px, before the finer level searches around them.
    public var gapFill = 4
    /// A finer level also searches pixels up to this many pixels (of that level) beyond
    /// the coarser level's matches, around the nearest match's disparity: surfaces seen at
    /// steep angles, which the coarse level loses first, grow back from their matched side.
    public var growth = 6
    /// Pixels this close (px, along the row) to an occluding contour are dropped: there the
    /// window straddles surface and background, and the match follows the contour, which
    /// is not the same surface point in both views ("foreground fattening"). 0 keeps them.
    public var edgeMargin = 4
    /// Connected regions smaller than this share of the image's pixels are dropped
    /// (1/12,500: 400 px at 5 MP, 25 px at 640 × 480; at least 20 px).
    public var speckleFraction = 0.00008

    public init() {}

    public func validate() throws {
        guard disparities.count >= 2 else { throw MatchingError.badOption("the disparity range needs at least 2 values") }
        guard coarseDisparityLimit >= 16 else { throw MatchingError.badOption("coarseDisparityLimit must be ≥ 16") }
        guard (1...7).contains(windowHalfSize) else { throw MatchingError.badOption("windowHalfSize must be 1…7") }
        if let k = weakTextureWindowHalfSize, !(1...7).contains(k) { throw MatchingError.badOption("weakTextureWindowHalfSize must be 1…7") }
        guard (-1...1).contains(weakTextureCorrelation) else { throw MatchingError.badOption("weakTextureCorrelation must be −1…1") }
        guard (1...8).contains(searchRadius) else { throw MatchingError.badOption("searchRadius must be 1…8") }
        guard (-1...1).contains(minimumCorrelation), refinementSteps >= 0, leftRightTolerance >= 0, gapFill >= 0, speckleFraction >= 0 else {
            throw MatchingError.badOption("minimumCorrelation in −1…1; steps, tolerances and sizes ≥ 0")
        }
        try coarse.validate()
    }
}

/// Dense matching of a large rectified pair over a wide disparity range, coarse to fine:
/// semi-global matching (`SemiGlobalMatcher`, both ways, checked) on a pyramid level small
/// enough for the whole range, then at each finer level a search of a few pixels around
/// twice the coarser disparity by zero-mean normalized cross-correlation (ZNCC), and at full
/// resolution a sub-pixel Gauss–Newton fit of the window (with the disparity's local slope),
/// a left–right check and speckle removal.
///
/// The work is O(pixels × (coarse range / 4^levels + search window)), not O(pixels × range):
/// a 5 MP pair over 1,300 disparities needs no 6.5 G-entry cost volume. The price is that
/// structures thinner than a few coarse pixels (2^levels px) may be lost; skin has none.
public enum CoarseToFineMatcher {
    /// What `match` found, with how it got there.
    public struct Result: Sendable {
        /// Disparities of the left image (NaN: none), confidence = ZNCC of the match (0…1).
        public var left: DisparityMap
        /// Pyramid levels below full resolution where SGM ran (0: SGM at full resolution).
        public var levels: Int
        /// The disparity range SGM searched at the coarsest level (px of that level).
        public var coarseRange: ClosedRange<Int>
        /// The median ZNCC the full-resolution search's `windowHalfSize` windows reached (nil
        /// when SGM ran at full resolution), and the window half-size it then used.
        public var correlation: Float?
        public var windowHalfSize = 4
    }

    public static func match(left: Image<Float>, right: Image<Float>, options: DenseMatchingOptions) throws -> Result {
        try options.validate()
        guard left.width == right.width, left.height == right.height, left.layout == .gray, right.layout == .gray else {
            throw MatchingError.sizeMismatch("the rectified pair must be two gray images of one size (\(left.width)×\(left.height) and \(right.width)×\(right.height))")
        }
        // Disparities beyond the image width match nothing.
        let span = left.width - 1
        guard options.disparities.upperBound > -span, options.disparities.lowerBound < span else {
            throw MatchingError.badOption("the disparity range \(options.disparities) lies beyond the image width (\(left.width) px)")
        }
        var options = options
        options.disparities = max(options.disparities.lowerBound, -span)...min(options.disparities.upperBound, span)
        // Pyramid: halve until the range fits the coarse limit (and the image stays ≥ 48 px).
        var levels = 0
        while (options.disparities.count + (1 << levels) - 1) >> levels > options.coarseDisparityLimit,
              min(left.width, left.height) >> (levels + 1) >= 48 {
            levels += 1
        }
        var lefts = [left], rights = [right]
        for _ in 0..<levels { lefts.append(halved(lefts.last!)); rights.append(halved(rights.last!)) }

        // SGM on the coarsest level, both ways.
        var sgm = options.coarse
        let lo = options.disparities.lowerBound >> levels, hi = (options.disparities.upperBound + (1 << levels) - 1) >> levels
        sgm.minimumDisparity = lo - 2
        sgm.disparityCount = max(hi + 2 - sgm.minimumDisparity + 1, 8)
        let coarse = try SemiGlobalMatcher.matchBothWays(left: lefts[levels], right: rights[levels], options: sgm)
        var dl = coarse.left.disparity, dr = coarse.right.disparity
        var cl = coarse.left.confidence
        var reached: Float?
        // Down the pyramid: search around twice the coarser disparity.
        var level = levels
        while level > 0 {
            level -= 1
            let l = lefts[level], r = rights[level]
            let coarseW = lefts[level + 1].width, coarseH = lefts[level + 1].height
            let priorL = grown(upsampled(filledGaps(dl, width: coarseW, height: coarseH, maximumGap: options.gapFill), width: coarseW, height: coarseH, to: l.width, l.height),
                               width: l.width, height: l.height, steps: options.growth)
            let priorR = grown(upsampled(filledGaps(dr, width: coarseW, height: coarseH, maximumGap: options.gapFill), width: coarseW, height: coarseH, to: l.width, l.height),
                               width: l.width, height: l.height, steps: options.growth)
            var windowsL = WindowStatistics(l, halfSize: options.windowHalfSize), windowsR = WindowStatistics(r, halfSize: options.windowHalfSize)
            (dl, cl) = search(reference: l, windowsL, other: r, windowsR, direction: -1, prior: priorL, options: options)
            // Full resolution tells how well windows of this size correlate here: where blur,
            // noise and compression leave weak texture, larger ones take over.
            if level == 0 {
                reached = medianCorrelation(dl, cl)
                // Grow the windows (13 × 13, then 15 × 15) while the median stays under the
                // threshold and each size correlates better than the last: where noise and
                // blur weaken the texture, more pixels average them out; where the surface's
                // shape does (small, curved views), larger windows correlate worse, and the
                // smaller size stays.
                for half in weakTextureSizes(options) {
                    guard let median = reached, median < options.weakTextureCorrelation else { break }
                    var wider = options
                    wider.windowHalfSize = half
                    wider.rivalsArePeaks = true
                    let largerL = WindowStatistics(l, halfSize: half), largerR = WindowStatistics(r, halfSize: half)
                    let (d, c) = search(reference: l, largerL, other: r, largerR, direction: -1, prior: priorL, options: wider)
                    guard let better = medianCorrelation(d, c), better > median else { break }
                    (dl, cl, reached, options, windowsL, windowsR) = (d, c, better, wider, largerL, largerR)
                }
            }
            (dr, _) = search(reference: r, windowsR, other: l, windowsL, direction: 1, prior: priorR, options: options)
        }
        let w = left.width, h = left.height
        // Only the left map needs sub-pixel precision: the right one serves the 1 px check.
        if options.refinementSteps > 0 {
            (dl, cl) = refined(reference: left, other: right, direction: -1, disparity: dl, options: options)
        }
        (dl, cl) = SemiGlobalMatcher.consistent(dl, cl, against: dr, direction: -1, width: w, height: h, tolerance: Double(options.leftRightTolerance))
        if options.edgeMargin > 0 { erodeEdges(&dl, &cl, width: w, height: h, margin: options.edgeMargin, minimumGap: 2 * options.windowHalfSize + 1) }
        if options.speckleFraction > 0 {
            SemiGlobalMatcher.removeSpeckles(&dl, &cl, width: w, height: h, maximumSize: max(20, Int(options.speckleFraction * Double(w * h))))
        }
        let range = sgm.minimumDisparity...(sgm.minimumDisparity + sgm.disparityCount - 1)
        return Result(left: DisparityMap(width: w, height: h, disparity: dl, confidence: cl.map { max(0, $0) }), levels: levels, coarseRange: range,
                      correlation: reached, windowHalfSize: options.windowHalfSize)
    }

    /// The larger window half-sizes weak texture may take, smallest first: two more pixels
    /// each side (twice the pixels of 9 × 9), then one more at a time up to the limit.
    static func weakTextureSizes(_ options: DenseMatchingOptions) -> [Int] {
        guard let limit = options.weakTextureWindowHalfSize, limit > options.windowHalfSize else { return [] }
        let first = min(options.windowHalfSize + 2, limit)
        return Array(first...limit)
    }

    /// The median ZNCC of the matched pixels (every 7th), nil when none matched.
    static func medianCorrelation(_ d: [Float], _ c: [Float]) -> Float? {
        var values: [Float] = []
        for i in stride(from: 0, to: d.count, by: 7) where !d[i].isNaN { values.append(c[i]) }
        guard !values.isEmpty else { return nil }
        values.sort()
        return values[values.count / 2]
    }

    /// Drops disparities within `margin` px along their row of an occluding contour: a run
    /// of at least `minimumGap` pixels without disparity with no match beyond it on the row
    /// (the subject's outline against the background), or with a larger disparity on one
    /// side than the other by more than 2 px (the nearer side is eroded). Gaps between
    /// matches of similar disparity (texture-less spots on one surface) are left alone.
    static func erodeEdges(_ d: inout [Float], _ c: inout [Float], width w: Int, height h: Int, margin: Int, minimumGap: Int) {
        for y in 0..<h {
            var x = 0
            var previousValid = -1
            while x < w {
                guard d[y * w + x].isNaN else { previousValid = x; x += 1; continue }
                var end = x
                while end < w, d[y * w + end].isNaN { end += 1 }
                let before: Float? = previousValid >= 0 ? d[y * w + previousValid] : nil
                let after: Float? = end < w ? d[y * w + end] : nil
                var erodeBefore = false, erodeAfter = false
                if end - x >= minimumGap {
                    switch (before, after) {
                    case let (b?, a?):
                        if b > a + 2 { erodeBefore = true } else if a > b + 2 { erodeAfter = true }
                    case (_?, nil): erodeBefore = true
                    case (nil, _?): erodeAfter = true
                    case (nil, nil): break
                    }
                }
                if erodeBefore { for k in max(0, x - margin)..<x where !d[y * w + k].isNaN { d[y * w + k] = .nan; c[y * w + k] = 0 } }
                var next = end
                if erodeAfter {
                    for k in end..<min(w, end + margin) { d[y * w + k] = .nan; c[y * w + k] = 0 }
                    next = min(w, end + margin)
                }
                x = next
            }
        }
    }

    // MARK: Pyramid

    /// Half-size image by 2 × 2 means (NaN where any of the four is NaN); an odd last
    /// row or column is dropped. Also the pyramid of `SubjectMotion`'s patch tracking.
    public static func halved(_ image: Image<Float>) -> Image<Float> {
        let w = image.width / 2, h = image.height / 2, sw = image.width
        var out = [Float](repeating: .nan, count: w * h)
        image.pixels.withUnsafeBufferPointer { s in
            for y in 0..<h {
                for x in 0..<w {
                    let i = 2 * y * sw + 2 * x
                    out[y * w + x] = 0.25 * (s[i] + s[i + 1] + s[i + sw] + s[i + sw + 1])
                }
            }
        }
        return Image(width: w, height: h, layout: .gray, pixels: out)
    }

    /// Bridges runs of missing disparities along rows, up to `maximumGap` pixels, where the
    /// disparities at both ends differ by at most 2 px (linear in between).
    static func filledGaps(_ d: [Float], width w: Int, height h: Int, maximumGap: Int) -> [Float] {
        guard maximumGap > 0 else { return d }
        var out = d
        for y in 0..<h {
            var lastValid = -1
            for x in 0..<w where !d[y * w + x].isNaN {
                let gap = x - lastValid - 1
                if lastValid >= 0, gap > 0, gap <= maximumGap {
                    let a = d[y * w + lastValid], b = d[y * w + x]
                    if abs(a - b) <= 2 {
                        for k in 1...gap { out[y * w + lastValid + k] = a + (b - a) * Float(k) / Float(gap + 1) }
                    }
                }
                lastValid = x
            }
        }
        return out
    }

    /// The map extended by `steps` pixels into its holes and beyond its edges: each step
    /// gives a pixel without a value the mean of its 4-neighbours that have one (left, right,
    /// above, below summed in that order). Only the holes' rims are visited (a list of the
    /// pixels that can fill next), not the whole image per step.
    public static func grown(_ d: [Float], width w: Int, height h: Int, steps: Int) -> [Float] {
        var current = d
        var frontier: [Int] = [], queued = [Bool](repeating: false, count: w * h), values: [Float] = []
        for y in 0..<h {
            for x in 0..<w where current[y * w + x].isNaN {
                let i = y * w + x
                if (x > 0 && !current[i - 1].isNaN) || (x < w - 1 && !current[i + 1].isNaN)
                    || (y > 0 && !current[i - w].isNaN) || (y < h - 1 && !current[i + w].isNaN) {
                    frontier.append(i); queued[i] = true
                }
            }
        }
        for _ in 0..<steps where !frontier.isEmpty {
            values.removeAll(keepingCapacity: true)
            for i in frontier {
                let x = i % w, y = i / w
                var sum: Float = 0, n: Float = 0
                if x > 0, case let v = current[i - 1], !v.isNaN { sum += v; n += 1 }
                if x < w - 1, case let v = current[i + 1], !v.isNaN { sum += v; n += 1 }
                if y > 0, case let v = current[i - w], !v.isNaN { sum += v; n += 1 }
                if y < h - 1, case let v = current[i + w], !v.isNaN { sum += v; n += 1 }
                values.append(sum / n)   // n ≥ 1: a rim pixel has a neighbour with a value
            }
            for (j, i) in frontier.enumerated() { current[i] = values[j] }
            // The next rim: holes next to the pixels just filled.
            var next: [Int] = []
            for i in frontier {
                let x = i % w, y = i / w
                if x > 0, !queued[i - 1], current[i - 1].isNaN { queued[i - 1] = true; next.append(i - 1) }
                if x < w - 1, !queued[i + 1], current[i + 1].isNaN { queued[i + 1] = true; next.append(i + 1) }
                if y > 0, !queued[i - w], current[i - w].isNaN { queued[i - w] = true; next.append(i - w) }
                if y < h - 1, !queued[i + w], current[i + w].isNaN { queued[i + w] = true; next.append(i + w) }
            }
            frontier = next
        }
        return current
    }

    /// A coarse disparity map brought to the finer level's size: coarse pixel i covers fine
    /// pixels 2i and 2i + 1, so fine x sits at coarse (x − 0.5) / 2; disparities double.
    /// Bilinear where the neighbours agree within 1 px, else the nearest one.
    static func upsampled(_ d: [Float], width cw: Int, height ch: Int, to w: Int, _ h: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: w * h)
        for y in 0..<h {
            let v = max(0, min(Float(ch - 1), (Float(y) - 0.5) / 2))
            let y0 = min(Int(v), ch - 1), y1 = min(y0 + 1, ch - 1), fy = v - Float(y0)
            for x in 0..<w {
                let u = max(0, min(Float(cw - 1), (Float(x) - 0.5) / 2))
                let x0 = min(Int(u), cw - 1), x1 = min(x0 + 1, cw - 1), fx = u - Float(x0)
                let a = d[y0 * cw + x0], b = d[y0 * cw + x1], c = d[y1 * cw + x0], e = d[y1 * cw + x1]
                let nearest = d[(fy < 0.5 ? y0 : y1) * cw + (fx < 0.5 ? x0 : x1)]
                if !a.isNaN, !b.isNaN, !c.isNaN, !e.isNaN, max(max(a, b), max(c, e)) - min(min(a, b), min(c, e)) <= 1 {
                    out[y * w + x] = 2 * ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy)
                } else if !nearest.isNaN {
                    out[y * w + x] = 2 * nearest
                } else if case let any = !a.isNaN ? a : !b.isNaN ? b : !c.isNaN ? c : e, !any.isNaN {
                    out[y * w + x] = 2 * any
                }
            }
        }
        return out
    }
}
