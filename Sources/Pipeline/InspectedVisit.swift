import Foundation
import Imaging
import Interchange
import Standards

/// One folder as `trinocular check` inspects it — a capture (its photographs measured, its
/// quick reconstruction for the subject's distance) or a 2D series — with its report
/// against the protocol. Shared by `check`, `reconstruct` (check.json), `batch` and `study`.
public struct InspectedVisit: Sendable {
    public var visit: Visit
    public var report: CheckReport
    public var preview: CapturePreview?
    public var subject: String?
    public var files: [URL]

    /// - Parameters: `rig` instead of the folder's rig.json; `protocolName` a built-in
    ///   protocol or a protocol file (nil: the region's); `images` the capture's photographs
    ///   already read (8-bit, in view order), so that a caller that has them (reconstruct,
    ///   a batch case) does not read them twice.
    /// - Throws: `FileProblem`/`CaptureError` naming the folder or file (bad input).
    public init(folder: URL, rig: URL?, protocolName: String?, images given: [Image<UInt8>]? = nil) throws {
        if rig == nil, PhotographSeries.isSeries(folder) {
            let series = try PhotographSeries(folder: folder)
            let standard = try Self.protocolFor(protocolName, region: Self.region(folder), folder: folder)
            let measured = series.photographs.map { ImageMeasures($0.image, camera: $0.view) }
            let exif = Dictionary(series.photographs.compactMap { p in p.exif.map { (p.view, $0) } }, uniquingKeysWith: { a, _ in a })
            var checks = CaptureStandards.check(measured, against: standard).checks
            checks += CaptureStandards.seriesChecks(measured, exif: exif)
            visit = Visit(images: measured, exif: exif)
            report = CheckReport(protocol: standard.name, checks: checks)
            files = series.photographs.map(\.file)
            return
        }
        let loaded = try Capture(folder: folder, rigURL: rig)
        let standard = try Self.protocolFor(protocolName, region: loaded.manifest?.region, folder: folder)
        let images = try given.flatMap { $0.count == loaded.views.count ? $0 : nil } ?? loaded.readImages()
        let measured = zip(images, loaded.views).map { ImageMeasures($0, camera: $1.cameraID) }
        let preview = try CapturePreview.run(loaded, images: images)
        let placement = CaptureStandards.SubjectPlacement(workingRange: preview.workingRange, near: preview.depth(quantile: 0.05), median: preview.depth(quantile: 0.5),
                                                          far: preview.depth(quantile: 0.95), outside: preview.outsideWorkingRange, searchedRange: preview.searchedRange)
        report = CaptureStandards.check(measured, against: standard, placement: placement)
        visit = Visit(images: measured,
                      rig: loaded.rig.cameras.map { Visit.Camera(id: $0.id, width: $0.camera.imageWidth, height: $0.camera.imageHeight, focalPixels: $0.camera.intrinsics.fx, centre: $0.centre) },
                      subjectDepth: placement.median)
        self.preview = preview
        subject = loaded.manifest?.subject
        files = loaded.views.map(\.file)
    }

    /// `trinocular check --compare`: the later visit against the earlier, the subject's pose
    /// from its skin (`SubjectMotion`) when both are captures of one rig.
    public static func compare(_ earlier: InspectedVisit, _ later: InspectedVisit) -> CompareReport {
        let motion = earlier.preview.flatMap { a in later.preview.flatMap { SubjectMotion.estimate(from: a, to: $0) } }
        return VisitComparison.compare(earlier.visit, later.visit,
                                       pose: motion.map { VisitComparison.Pose(rotationDegrees: $0.rotationDegrees, translationMm: $0.translationMm) })
    }

    /// `--protocol`, else the region's built-in protocol.
    public static func protocolFor(_ name: String?, region: String?, folder: URL) throws -> CaptureProtocol {
        if let name { return try CaptureProtocol.named(name) }
        guard let region else {
            throw CaptureError(file: folder.path, problem: "no capture.json region to choose a protocol by: give --protocol breast|face|abdomen|FILE")
        }
        guard let p = CaptureProtocol.forRegion(region) else {
            throw CaptureError(file: folder.appendingPathComponent("capture.json").path,
                               problem: "region '\(region.excerpt())' has no built-in protocol (\(CaptureProtocol.builtIn.map(\.name).joined(separator: ", "))): give --protocol")
        }
        return p
    }

    /// A 2D series' region, from its capture.json when it has one.
    static func region(_ folder: URL) throws -> String? {
        let url = folder.appendingPathComponent("capture.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try CaptureManifest(contentsOf: url).region
    }
}
