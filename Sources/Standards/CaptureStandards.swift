import Foundation

/// The checks of one capture against a protocol, each camera against the protocol and
/// against the capture's other cameras (a defocused or over-exposed camera stands out from
/// its neighbours whatever the scene): resolution, focus, exposure, colour, backdrop.
///
/// Thresholds are ratios and fractions (`Thresholds`), not pixel values of one scale.
public enum CaptureStandards {
    public struct Thresholds: Sendable {
        /// Focus: a camera's sharpness over the capture's median (below: warn, fail).
        public var focus = (warn: 0.7, fail: 0.5)
        /// Exposure: clipped or crushed fraction of the subject, and the subject's luminance
        /// over the capture's median (outside 1/r…r).
        public var clippedFraction = (warn: 0.005, fail: 0.02)
        public var brightnessRatio = (warn: 1.25, fail: 1.5)
        /// Colour: grey-world R/G and B/G of the subject against the capture's median camera.
        public var colourShift = (warn: 0.04, fail: 0.08)
        /// Backdrop: chromaticity distance from the protocol's colour, and the luminance's
        /// interquartile range over its median (uniformity).
        public var backdropChroma = (warn: 0.03, fail: 0.045)
        public var backdropVariation = 0.25
        /// Framing: the share of a border to keep clear along which the subject reaches into
        /// the frame's outer margin (`ImageMeasures.borderMargin`).
        public var borderContact = (warn: 0.02, fail: 0.10)
        /// Distance: the share of the subject's points outside the working range (the
        /// median point outside it always fails).
        public var outsideWorkingRange = 0.10
        public init() {}
    }

    /// Where the subject is, from a quick reconstruction (`CapturePreview` in Pipeline): its
    /// points' depths from the rig against the capture's working range (mm).
    public struct SubjectPlacement: Sendable {
        public var workingRange: ClosedRange<Double>
        /// The 5th, 50th and 95th percentiles of the points' depths (mm); nil without points.
        public var near: Double?, median: Double?, far: Double?
        /// The share of the points outside the working range, and the range searched.
        public var outside: Double
        public var searchedRange: ClosedRange<Double>
        public init(workingRange: ClosedRange<Double>, near: Double?, median: Double?, far: Double?, outside: Double, searchedRange: ClosedRange<Double>) {
            self.workingRange = workingRange; self.near = near; self.median = median; self.far = far; self.outside = outside; self.searchedRange = searchedRange
        }
    }

    public static func check(_ images: [ImageMeasures], against p: CaptureProtocol, placement: SubjectPlacement? = nil,
                             thresholds t: Thresholds = Thresholds()) -> CheckReport {
        var items: [CheckItem] = []
        // Defocus only lowers sharpness: with two cameras the median is their mean, and the
        // sharper one is the reference; with three or more, the median.
        let sharpness = images.count == 2 ? images.map(\.sharpness).max()! : median(images.map(\.sharpness))
        let luminance = median(images.map(\.subjectLuminance))
        let balances = images.compactMap { $0.subjectColour.map(balance) }
        let reference = balances.isEmpty ? nil : SIMD2(median(balances.map(\.x)), median(balances.map(\.y)))
        for m in images {
            items.append(resolution(m, p))
            items.append(focus(m, median: sharpness, t))
            items.append(exposure(m, median: luminance, t))
            items.append(colour(m, reference: reference, t))
            items.append(backdrop(m, p, t))
            items.append(framing(m, p, t))
        }
        if let placement { items.append(distance(placement, t)) }
        return CheckReport(protocol: p.name, checks: items)
    }

    static func status(_ bad: Double, warn: Double, fail: Double) -> CheckItem.Status { bad > fail ? .fail : (bad > warn ? .warn : .pass) }

    static func resolution(_ m: ImageMeasures, _ p: CaptureProtocol) -> CheckItem {
        let mp = Double(m.width * m.height) / 1e6
        let ok = mp >= p.minimumMegapixels
        return CheckItem(id: "resolution", camera: m.camera, status: ok ? .pass : .fail, value: (mp * 100).rounded() / 100, threshold: p.minimumMegapixels,
                         message: ok ? "\(m.width) × \(m.height) pixels" : "\(m.width) × \(m.height) is \(fmt(mp)) MP; the \(p.name) protocol asks for \(fmt(p.minimumMegapixels)) MP or more: set the camera to its full resolution")
    }

    static func focus(_ m: ImageMeasures, median: Double, _ t: Thresholds) -> CheckItem {
        let ratio = median > 0 ? m.sharpness / median : 1
        let s = ratio < t.focus.fail ? CheckItem.Status.fail : (ratio < t.focus.warn ? .warn : .pass)
        return CheckItem(id: "focus", camera: m.camera, status: s, value: round(ratio), threshold: t.focus.fail,
                         message: s == .pass ? "as sharp as the other cameras" : "\(m.camera) is \(fmt(100 * (1 - ratio), 0)) % less sharp than the other cameras: refocus it on the subject and shoot again")
    }

    static func exposure(_ m: ImageMeasures, median: Double, _ t: Thresholds) -> CheckItem {
        let lost = max(m.clipped, m.crushed), ratio = median > 0 ? m.subjectLuminance / median : 1
        let off = max(ratio, 1 / max(ratio, 1e-9))
        let s = max(status(lost, warn: t.clippedFraction.warn, fail: t.clippedFraction.fail), status(off, warn: t.brightnessRatio.warn, fail: t.brightnessRatio.fail))
        var what: [String] = []
        if m.clipped > t.clippedFraction.warn { what.append("\(fmt(100 * m.clipped, 1)) % of the subject is clipped white") }
        if m.crushed > t.clippedFraction.warn { what.append("\(fmt(100 * m.crushed, 1)) % of the subject is crushed black") }
        if off > t.brightnessRatio.warn { what.append("the subject is \(fmt(ratio, 2)) × as bright as in the other cameras") }
        return CheckItem(id: "exposure", camera: m.camera, status: s, value: round(lost), threshold: t.clippedFraction.fail,
                         message: what.isEmpty ? "no clipping; as bright as the other cameras" : "\(m.camera): " + what.joined(separator: "; ") + ": match the cameras' exposure and the lights, and shoot again")
    }

    static func colour(_ m: ImageMeasures, reference: SIMD2<Double>?, _ t: Thresholds) -> CheckItem {
        guard m.isColour else { return CheckItem(id: "colour", camera: m.camera, status: .pass, value: nil, threshold: t.colourShift.fail, message: "grey images: no white balance to compare") }
        guard let b = m.subjectColour.map(balance), let reference else {
            return CheckItem(id: "colour", camera: m.camera, status: .pass, value: nil, threshold: t.colourShift.fail, message: "the subject is clipped: white balance not measurable here")
        }
        let shift = max(abs(b.x / reference.x - 1), abs(b.y / reference.y - 1))
        let s = status(shift, warn: t.colourShift.warn, fail: t.colourShift.fail)
        return CheckItem(id: "colour", camera: m.camera, status: s, value: round(shift), threshold: t.colourShift.fail,
                         message: s == .pass ? "white balance as the other cameras'" : "\(m.camera)'s colour is off the other cameras' by \(fmt(100 * shift, 0)) % (red/green \(fmt(b.x / reference.x, 2)) ×, blue/green \(fmt(b.y / reference.y, 2)) ×): set the same white balance on every camera")
    }

    static func backdrop(_ m: ImageMeasures, _ p: CaptureProtocol, _ t: Thresholds) -> CheckItem {
        let want = chromaticity(SIMD3(p.backdrop.rgb[0], p.backdrop.rgb[1], p.backdrop.rgb[2]))
        guard let b = m.backdrop else {
            return CheckItem(id: "backdrop", camera: m.camera, status: .fail, value: nil, threshold: t.backdropChroma.fail, message: "\(m.camera): the backdrop is clipped white: lower the exposure")
        }
        let distance = length(chromaticity(b) - want)
        var s = status(distance, warn: t.backdropChroma.warn, fail: t.backdropChroma.fail)
        if m.backdropVariation > t.backdropVariation { s = max(s, .warn) }
        let message = s == .pass ? "a plain \(p.backdrop.name) backdrop"
            : distance > t.backdropChroma.warn ? "\(m.camera): the backdrop's colour (\(Int(b.x)), \(Int(b.y)), \(Int(b.z))) is not the protocol's \(p.backdrop.name): put up the \(p.backdrop.name) backdrop"
            : "\(m.camera): the backdrop is uneven (luminance varies by \(fmt(100 * m.backdropVariation, 0)) %): light it evenly, keep the subject clear of it"
        return CheckItem(id: "backdrop", camera: m.camera, status: s, value: round(distance), threshold: t.backdropChroma.fail, message: message)
    }

    static func framing(_ m: ImageMeasures, _ p: CaptureProtocol, _ t: Thresholds) -> CheckItem {
        guard m.segmented else {
            return CheckItem(id: "framing", camera: m.camera, status: .warn, value: nil, threshold: t.borderContact.fail,
                             message: "\(m.camera): the subject does not stand out from the backdrop, so its framing was not measured: put up the \(p.backdrop.name) backdrop")
        }
        let sides = p.bordersToKeepClear.map { ($0, m.borderContact[$0] ?? 0) }
        let worst = sides.max { $0.1 < $1.1 } ?? ("left", 0)
        let s = status(worst.1, warn: t.borderContact.warn, fail: t.borderContact.fail)
        let cut = sides.filter { $0.1 > t.borderContact.warn }.map { "\($0.0) (\(fmt(100 * $0.1, 0)) % of it)" }
        return CheckItem(id: "framing", camera: m.camera, status: s, value: round(worst.1), threshold: t.borderContact.fail,
                         message: s == .pass ? "backdrop between the subject and the \(p.bordersToKeepClear.joined(separator: ", ")) borders"
                            : "\(m.camera): the subject reaches the image's \(cut.joined(separator: " and ")) border: the \(p.name) protocol frames \(p.framing) with backdrop around it; centre the patient in the rig or step back")
    }

    static func distance(_ placement: SubjectPlacement, _ t: Thresholds) -> CheckItem {
        let r = placement.workingRange, range = "\(Int(r.lowerBound))–\(Int(r.upperBound)) mm"
        guard let median = placement.median, let near = placement.near, let far = placement.far else {
            return CheckItem(id: "distance", camera: nil, status: .fail, value: nil, threshold: r.upperBound,
                             message: "no surface was found \(Int(placement.searchedRange.lowerBound))–\(Int(placement.searchedRange.upperBound)) mm from the rig: is the patient in front of the cameras, within the working range \(range)?")
        }
        let s: CheckItem.Status = !r.contains(median) ? .fail : (placement.outside > t.outsideWorkingRange ? .warn : .pass)
        let move = median > r.upperBound ? "move the patient \(Int((median - r.upperBound).rounded(.up))) mm or more closer"
            : median < r.lowerBound ? "move the patient \(Int((r.lowerBound - median).rounded(.up))) mm or more back" : "centre the patient in the working range"
        return CheckItem(id: "distance", camera: nil, status: s, value: median.rounded(), threshold: median > r.upperBound ? r.upperBound : r.lowerBound,
                         message: s == .pass ? "the subject is \(Int(near.rounded()))–\(Int(far.rounded())) mm from the rig, within its working range \(range)"
                            : "the subject is \(Int(near.rounded()))–\(Int(far.rounded())) mm from the rig (median \(Int(median.rounded())) mm; \(fmt(100 * placement.outside, 0)) % outside the working range \(range)): \(move)")
    }

    static func balance(_ c: SIMD3<Double>) -> SIMD2<Double> { SIMD2(c.x / max(c.y, 1e-9), c.z / max(c.y, 1e-9)) }
    static func chromaticity(_ c: SIMD3<Double>) -> SIMD3<Double> { c / max(c.x + c.y + c.z, 1e-9) }
    static func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    static func round(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }
    static func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
}
