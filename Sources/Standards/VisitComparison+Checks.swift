import Foundation

/// The photometric and geometric checks of `VisitComparison`, each over the paired images.
extension VisitComparison {
    static func median(_ xs: [Double]) -> Double { CaptureStandards.median(xs) }
    static func off(_ ratio: Double) -> Double { max(ratio, 1 / max(ratio, 1e-9)) }

    static func exposure(_ pairs: [(ImageMeasures, ImageMeasures)], _ t: Thresholds) -> Item {
        let ratios = pairs.filter { $0.0.subjectLuminance > 0 }.map { $0.1.subjectLuminance / $0.0.subjectLuminance }
        let ratio = ratios.isEmpty ? 1 : median(ratios)
        let s = CaptureStandards.status(off(ratio), warn: t.brightness.warn, fail: t.brightness.fail)
        return Item(id: "exposure", status: s, value: CaptureStandards.round(ratio), threshold: t.brightness.fail,
                    message: s == .pass ? "the subject as bright in both visits (× \(fmt(ratio, 2)))"
                        : "the subject is \(fmt(ratio, 2)) × as bright after as before: a brighter or darker photograph flatters or hides contour; use the same lights and exposure")
    }

    static func colour(_ pairs: [(ImageMeasures, ImageMeasures)], _ t: Thresholds) -> Item {
        let shifts = pairs.compactMap { a, b -> Double? in
            guard a.isColour, b.isColour, let x = a.subjectColour.map(CaptureStandards.balance), let y = b.subjectColour.map(CaptureStandards.balance) else { return nil }
            return max(abs(y.x / x.x - 1), abs(y.y / x.y - 1))
        }
        guard !shifts.isEmpty else { return Item(id: "colour", status: .pass, value: nil, threshold: t.colourShift.fail, message: "white balance not measurable (grey or clipped images)") }
        let shift = median(shifts)
        let s = CaptureStandards.status(shift, warn: t.colourShift.warn, fail: t.colourShift.fail)
        return Item(id: "colour", status: s, value: CaptureStandards.round(shift), threshold: t.colourShift.fail,
                    message: s == .pass ? "the same white balance" : "the skin's colour balance shifted by \(fmt(100 * shift, 0)) %: skin tone and redness read differently; use the same white balance and lights")
    }

    static func backdrop(_ pairs: [(ImageMeasures, ImageMeasures)], _ t: Thresholds) -> Item {
        let measured = pairs.compactMap { a, b -> (chroma: Double, brightness: Double)? in
            guard let x = a.backdrop, let y = b.backdrop, a.subjectLuminance > 0, b.subjectLuminance > 0 else { return nil }
            let chroma = CaptureStandards.length(CaptureStandards.chromaticity(y) - CaptureStandards.chromaticity(x))
            let luma = { (c: SIMD3<Double>) in 0.299 * c.x + 0.587 * c.y + 0.114 * c.z }
            let brightness = (luma(y) / max(luma(x), 1e-9)) / (b.subjectLuminance / a.subjectLuminance)
            return (chroma, brightness)
        }
        guard !measured.isEmpty else {
            return Item(id: "backdrop", status: .pass, value: nil, threshold: t.backdropChroma.fail, message: "the backdrop is clipped in one visit: its colour not compared")
        }
        let chroma = median(measured.map(\.chroma)), brightness = median(measured.map(\.brightness))
        var s = CaptureStandards.status(chroma, warn: t.backdropChroma.warn, fail: t.backdropChroma.fail)
        if off(brightness) > t.backdropBrightness { s = .fail }
        return Item(id: "backdrop", status: s, value: CaptureStandards.round(chroma), threshold: t.backdropChroma.fail,
                    message: s == .pass ? "the same backdrop"
                        : chroma > t.backdropChroma.warn ? "the backdrop changed colour between the visits (chromaticity \(fmt(chroma, 3)) apart): a different background is the commonest bias of before/after photographs; use the same backdrop"
                        : "the backdrop is \(fmt(brightness, 2)) × as bright, relative to the subject, after as before: use the same backdrop and its lighting")
    }

    static func distance(_ a: Double, _ b: Double, _ t: Thresholds) -> Item {
        let change = b / a - 1
        let s = CaptureStandards.status(abs(change), warn: t.distance.warn, fail: t.distance.fail)
        return Item(id: "distance", status: s, value: CaptureStandards.round(change), threshold: t.distance.fail,
                    message: s == .pass ? "the subject at the same distance (\(Int(a.rounded())) and \(Int(b.rounded())) mm)"
                        : "the subject stood \(Int(a.rounded())) mm from the rig before and \(Int(b.rounded())) mm after: the surface is sampled differently; place the patient at the same mark")
    }

    static func pose(_ p: Pose, _ t: Thresholds) -> Item {
        let s = CaptureStandards.status(p.rotationDegrees, warn: t.rotationDegrees.warn, fail: t.rotationDegrees.fail)
        return Item(id: "pose", status: s, value: (p.rotationDegrees * 100).rounded() / 100, threshold: t.rotationDegrees.fail,
                    message: s == .pass ? "the same pose (turned \(fmt(p.rotationDegrees)) °, moved \(Int(p.translationMm.rounded())) mm)"
                        : "the subject is turned \(fmt(p.rotationDegrees)) ° (and moved \(Int(p.translationMm.rounded())) mm) between the visits: posture changes contour and projection; position the patient the same way")
    }
}
