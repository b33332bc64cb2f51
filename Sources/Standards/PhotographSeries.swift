import Foundation
import Imaging
import Interchange

/// A folder of ordinary clinical photographs — one JPEG (or PNG) per view, no rig — as
/// `trinocular check` reads it: the photographs in name order, each with what its EXIF says
/// of the camera (model and focal length only).
public struct PhotographSeries: Sendable {
    public struct Photograph: Sendable {
        /// The file's name without its extension: the view's name in the report.
        public var view: String
        public var file: URL
        public var image: Image<UInt8>
        public var exif: ExifCamera?
    }
    public var folder: URL
    public var photographs: [Photograph]

    static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// - Throws: `FileProblem` naming the folder when it holds no photograph, or the file
    ///   that cannot be read or decoded.
    public init(folder: URL) throws {
        self.folder = folder
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw FileProblem(file: folder.path, problem: "cannot be listed: is it a folder of photographs?")
        }
        let files = names.filter { Self.extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }.sorted()
        guard !files.isEmpty else {
            throw FileProblem(file: folder.path, problem: "holds no photograph (.jpg, .jpeg, .png) and no rig.json: give a capture folder or a folder of photographs")
        }
        photographs = try files.map { name in
            let url = folder.appendingPathComponent(name)
            let bytes = try ImageFile.bytes(of: url)
            let image = try ImageFile.decode(bytes, file: url.path).eightBit
            return Photograph(view: (name as NSString).deletingPathExtension, file: url, image: image, exif: ExifCamera.read(jpeg: bytes))
        }
    }

    /// Whether a folder is a series of photographs rather than a capture (no rig.json).
    public static func isSeries(_ folder: URL) -> Bool {
        !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rig.json").path)
    }
}

extension CaptureStandards {
    /// The checks a 2D series adds to each photograph's: the aspect ratio against the
    /// series' (a cropped or rotated view), and the focal length against the series' (EXIF).
    public static func seriesChecks(_ images: [ImageMeasures], exif: [String: ExifCamera], aspectTolerance: Double = 0.01) -> [CheckItem] {
        let aspects = images.map { Double($0.width) / Double($0.height) }, typical = median(aspects)
        var items = zip(images, aspects).map { m, a -> CheckItem in
            let off = abs(a / typical - 1)
            return CheckItem(id: "aspect", camera: m.camera, status: off > aspectTolerance ? .fail : .pass, value: round(off), threshold: aspectTolerance,
                             message: off > aspectTolerance ? "\(m.camera): \(m.width) × \(m.height) is not the series' aspect ratio (\(fmt(typical, 3)):1): shoot every view in the same format, uncropped" : "the series' aspect ratio")
        }
        let focal = images.compactMap { m in (exif[m.camera]?.focalLength35mm ?? exif[m.camera]?.focalLengthMm).map { (m.camera, $0) } }
        if !focal.isEmpty {
            let typicalFocal = median(focal.map(\.1))
            items += focal.map { view, f in
                let off = abs(f / typicalFocal - 1)
                return CheckItem(id: "lens", camera: view, status: off > 0.1 ? .warn : .pass, value: round(off), threshold: 0.1,
                                 message: off > 0.1 ? "\(view): focal length \(fmt(f, 0)) mm, the series' \(fmt(typicalFocal, 0)) mm: proportions change with the lens; keep one focal length" : "the series' focal length")
            }
        }
        return items
    }
}
