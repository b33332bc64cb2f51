import Foundation
import Imaging
import Interchange

/// One visit as `trinocular check --compare` sees it: each camera's (or each photograph's)
/// measures, and what else is known of how it was taken.
public struct Visit: Sendable {
    /// One camera of a rig, as the comparison needs it (pixels, mm, the rig's frame).
    public struct Camera: Sendable {
        public var id: String
        public var width: Int, height: Int
        /// Focal length (px) and the camera's centre (mm).
        public var focalPixels: Double
        public var centre: SIMD3<Double>
        public init(id: String, width: Int, height: Int, focalPixels: Double, centre: SIMD3<Double>) {
            self.id = id; self.width = width; self.height = height; self.focalPixels = focalPixels; self.centre = centre
        }
    }

    /// Each image's measures, by camera id (3D) or view name (2D).
    public var images: [ImageMeasures]
    /// The rig's cameras (3D captures; nil for 2D photographs).
    public var rig: [Camera]?
    /// The subject's median depth from the rig (mm), from the quick reconstruction.
    public var subjectDepth: Double?
    /// What each photograph's EXIF says of the camera (2D; by view name).
    public var exif: [String: ExifCamera]

    public init(images: [ImageMeasures], rig: [Camera]? = nil, subjectDepth: Double? = nil, exif: [String: ExifCamera] = [:]) {
        self.images = images; self.rig = rig; self.subjectDepth = subjectDepth; self.exif = exif
    }
}

/// The report of `trinocular check --compare PRE POST` (`trinocular.check-compare/1`).
public struct CompareReport: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var id: String
        public var status: CheckItem.Status
        public var value: Double?
        public var threshold: Double?
        public var message: String
    }
    public var format = "trinocular.check-compare/1"
    public enum Verdict: String, Codable, Sendable { case comparable, notComparable = "not comparable" }
    public var verdict: Verdict
    /// The failed checks: why the visits cannot be compared.
    public var reasons: [Item]
    /// The checks that warn: differences to know of that do not prevent the comparison.
    public var notes: [Item]
    /// Every check, passed or not.
    public var checks: [Item]

    public init(checks: [Item]) {
        self.checks = checks
        reasons = checks.filter { $0.status == .fail }
        notes = checks.filter { $0.status == .warn }
        verdict = reasons.isEmpty ? .comparable : .notComparable
    }
}

/// What makes two visits incomparable (issue 21): a different rig or calibration, another
/// resolution or lens, exposure and white-balance shifts, a changed backdrop, the subject's
/// distance and pose. Thresholds are ratios, fractions and angles (`Thresholds`).
public enum VisitComparison {
    public struct Thresholds: Sendable {
        /// The subject's brightness, post over pre (median over the cameras): outside 1/r…r.
        public var brightness = (warn: 1.1, fail: 1.2)
        /// The skin's white balance (R/G, B/G), post against pre.
        public var colourShift = (warn: 0.04, fail: 0.08)
        /// The backdrop's chromaticity distance, and its brightness change beyond the subject's.
        public var backdropChroma = (warn: 0.02, fail: 0.03)
        public var backdropBrightness = 1.2
        /// The subject's pose: rotation (degrees) and distance from the rig (fraction).
        public var rotationDegrees = (warn: 2.5, fail: 5.0)
        public var distance = (warn: 0.05, fail: 0.10)
        /// The rig: focal lengths (fraction) and the cameras' positions (fraction of the
        /// largest baseline) that tell a different calibration or rig.
        public var focal = 0.02
        public var cameraPositions = 0.02
        /// A photograph's aspect ratio (fraction).
        public var aspect = 0.01
        public init() {}
    }

    /// The subject's motion between the visits, from registering the quick reconstructions.
    public struct Pose: Sendable {
        public var rotationDegrees: Double
        public var translationMm: Double
        public init(rotationDegrees: Double, translationMm: Double) { self.rotationDegrees = rotationDegrees; self.translationMm = translationMm }
    }

    public static func compare(_ pre: Visit, _ post: Visit, pose: Pose? = nil, thresholds t: Thresholds = Thresholds()) -> CompareReport {
        let pairs = matched(pre, post)
        var items: [CompareReport.Item] = []
        if let a = pre.rig, let b = post.rig { items += rig(a, b, t) }
        items.append(resolution(pairs, t))
        if let lens = lens(pre, post) { items.append(lens) }
        items.append(exposure(pairs, t))
        items.append(colour(pairs, t))
        items.append(backdrop(pairs, t))
        if let a = pre.subjectDepth, let b = post.subjectDepth { items.append(distance(a, b, t)) }
        if let pose { items.append(self.pose(pose, t)) }
        return CompareReport(checks: items)
    }

    /// The images of the two visits paired by camera id or view name, else in order.
    static func matched(_ pre: Visit, _ post: Visit) -> [(ImageMeasures, ImageMeasures)] {
        let byName = pre.images.compactMap { a in post.images.first { $0.camera == a.camera }.map { (a, $0) } }
        return byName.count == min(pre.images.count, post.images.count) ? byName : Array(zip(pre.images, post.images))
    }

    typealias Item = CompareReport.Item

    static func rig(_ a: [Visit.Camera], _ b: [Visit.Camera], _ t: Thresholds) -> [Item] {
        guard a.map(\.id) == b.map(\.id) else {
            return [Item(id: "rig", status: .fail, value: nil, threshold: nil,
                         message: "different rigs: cameras \(a.map(\.id).joined(separator: ", ")) before, \(b.map(\.id).joined(separator: ", ")) after")]
        }
        let focal = zip(a, b).map { abs($1.focalPixels / $0.focalPixels - 1) }.max() ?? 0
        let scale = a.flatMap { p in a.map { q in CaptureStandards.length(p.centre - q.centre) } }.max() ?? 0
        let moved = scale > 0 ? (zip(a, b).map { CaptureStandards.length(($1.centre - b[0].centre) - ($0.centre - a[0].centre)) }.max() ?? 0) / scale : 0
        var items = [Item(id: "lens", status: focal > t.focal ? .fail : .pass, value: CaptureStandards.round(focal), threshold: t.focal,
                          message: focal > t.focal ? "a focal length changed by \(fmt(100 * focal)) %: another lens or zoom; the cameras see the subject at another scale" : "the same focal lengths")]
        let same = focal == 0 && moved == 0
        items.append(Item(id: "rig", status: moved > t.cameraPositions ? .fail : .pass, value: CaptureStandards.round(moved), threshold: t.cameraPositions,
                          message: moved > t.cameraPositions ? "the cameras stand \(fmt(100 * moved)) % of the rig's width elsewhere: a rebuilt rig or a wrong calibration; recalibrate and reconstruct both visits with calibrations you trust"
                            : same ? "the same rig and calibration" : "the same rig, recalibrated (cameras within \(fmt(100 * moved)) % of the rig's width)"))
        return items
    }

    static func resolution(_ pairs: [(ImageMeasures, ImageMeasures)], _ t: Thresholds) -> Item {
        let sizes = pairs.filter { $0.width != $1.width || $0.height != $1.height }
        func aspectChange(_ a: ImageMeasures, _ b: ImageMeasures) -> Double { abs(Double(b.width * a.height) / Double(b.height * a.width) - 1) }
        if let (a, b) = pairs.max(by: { aspectChange($0.0, $0.1) < aspectChange($1.0, $1.1) }), aspectChange(a, b) > t.aspect {
            return Item(id: "aspect", status: .fail, value: CaptureStandards.round(aspectChange(a, b)), threshold: t.aspect,
                        message: "\(b.camera): the aspect ratio is \(b.width):\(b.height) after, \(a.width):\(a.height) before: crop or shoot both visits in the same format")
        }
        guard let (a, b) = sizes.first else {
            return Item(id: "resolution", status: .pass, value: nil, threshold: nil, message: "the same image sizes")
        }
        return Item(id: "resolution", status: .fail, value: Double(b.width * b.height) / Double(a.width * a.height), threshold: nil,
                    message: "\(b.camera): \(b.width) × \(b.height) after, \(a.width) × \(a.height) before: another camera setting or lens; shoot both visits at the same resolution")
    }

    static func lens(_ pre: Visit, _ post: Visit) -> Item? {
        let pairs = pre.exif.compactMap { k, a in post.exif[k].map { (k, a, $0) } }
        guard !pairs.isEmpty else { return nil }
        func focal(_ e: ExifCamera) -> Double? { e.focalLength35mm ?? e.focalLengthMm }
        let changes = pairs.compactMap { k, a, b -> (String, Double, Double, Double)? in
            guard let x = focal(a), let y = focal(b) else { return nil }
            return (k, x, y, abs(y / x - 1))
        }
        if let worst = changes.max(by: { $0.3 < $1.3 }), worst.3 > 0.1 {
            return Item(id: "lens", status: .fail, value: CaptureStandards.round(worst.3), threshold: 0.1,
                        message: "\(worst.0): focal length \(fmt(worst.2, 0)) mm after, \(fmt(worst.1, 0)) mm before: the subject's proportions change with the lens; use the same focal length")
        }
        let models = pairs.filter { $0.1.model != nil && $0.2.model != nil && $0.1.model != $0.2.model }
        if let m = models.first {
            return Item(id: "lens", status: .warn, value: nil, threshold: nil, message: "\(m.0): another camera (\(m.2.model!) after, \(m.1.model!) before); the same focal length")
        }
        return Item(id: "lens", status: .pass, value: changes.map(\.3).max().map(CaptureStandards.round), threshold: 0.1, message: "the same camera and focal length")
    }

    static func fmt(_ x: Double, _ digits: Int = 1) -> String { CaptureStandards.fmt(x, digits) }
}
