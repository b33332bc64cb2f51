import Foundation
import Geometry
import Imaging
import Parallelism

/// One rig camera's image in a capture folder.
public struct CaptureView: Sendable {
    public var cameraID: String
    public var file: URL
    /// The image's header (size, format, EXIF orientation); pixels are read on demand.
    public var info: ImageInfo
}

/// Where a capture's rig came from.
public enum RigSource: Sendable, Equatable, CustomStringConvertible {
    /// `--rig PATH` on the command line.
    case option(URL)
    /// `rig.json` in the capture folder.
    case folder(URL)
    /// `capture.json`'s `rig` key.
    case manifest(URL)

    public var url: URL {
        switch self { case let .option(u), let .folder(u), let .manifest(u): return u }
    }

    public var description: String {
        switch self {
        case let .option(u): return "\(u.path) (from --rig)"
        case let .folder(u): return "\(u.path) (in the capture folder)"
        case let .manifest(u): return "\(u.path) (named by capture.json)"
        }
    }
}

/// A capture folder: one simultaneous shot of every rig camera, matched to the rig.
///
/// Layout (contract: "Capture folder"): `<camera id>.<jpg|jpeg|png>` per camera, an
/// optional `rig.json` and an optional `capture.json`. The rig is taken from `--rig` if
/// given, else the folder's `rig.json`, else `capture.json`'s `rig`
/// (docs/formats.md explains the order).
public struct Capture: Sendable {
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    public var folder: URL
    public var rig: Rig
    public var rigSource: RigSource
    public var manifest: CaptureManifest?
    /// One view per rig camera, in the rig's camera order.
    public var views: [CaptureView]
    /// Things worth telling the user that do not stop the work.
    public var warnings: [String]

    /// Opens a capture folder and checks it against its rig: every camera has exactly one
    /// image, no image lacks a camera, every image decodes its header and has the size the
    /// rig says.
    /// - Parameter rigURL: an explicit rig file (`--rig`), overriding the folder's.
    /// - Throws: `CaptureError`, `CaptureProblems` (all of a folder's problems at once),
    ///   `RigFileError` or `ImageError`, each naming the file concerned.
    public init(folder: URL, rigURL: URL? = nil) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw CaptureError(file: folder.path, problem: "no such capture folder")
        }
        guard isDirectory.boolValue else {
            throw CaptureError(file: folder.path, problem: "is a file; give the capture folder that holds the camera images")
        }
        self.folder = folder

        let manifestURL = folder.appendingPathComponent("capture.json")
        manifest = fm.fileExists(atPath: manifestURL.path) ? try CaptureManifest(contentsOf: manifestURL) : nil

        let folderRig = folder.appendingPathComponent("rig.json")
        if let rigURL {
            rigSource = .option(rigURL)
        } else if fm.fileExists(atPath: folderRig.path) {
            rigSource = .folder(folderRig)
        } else if let named = manifest?.rig {
            rigSource = .manifest(named.hasPrefix("/") ? URL(fileURLWithPath: named)
                                  : folder.appendingPathComponent(named).standardizedFileURL)
        } else {
            throw CaptureError(file: folder.path,
                               problem: "no rig: put rig.json in the folder, pass --rig PATH, or name one in capture.json's \"rig\"")
        }
        guard fm.fileExists(atPath: rigSource.url.path) else {
            throw CaptureError(file: rigSource.url.path, problem: "the rig file does not exist (rig \(rigSource))")
        }
        rig = try Rig(contentsOf: rigSource.url)
        warnings = []
        if case .option = rigSource, fm.fileExists(atPath: folderRig.path) {
            warnings.append("the folder's rig.json is ignored: --rig was given")
        }

        // Image files by stem (file name without extension).
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: folder.path).sorted() } catch {
            throw CaptureError(file: folder.path, problem: "cannot list the folder (\(error.localizedDescription))")
        }
        var byStem: [String: [String]] = [:]
        for name in names where !name.hasPrefix(".") {
            let ext = (name as NSString).pathExtension.lowercased()
            guard Capture.imageExtensions.contains(ext) else { continue }
            byStem[(name as NSString).deletingPathExtension, default: []].append(name)
        }

        var problems: [CaptureError] = []
        var views: [CaptureView] = []
        for camera in rig.cameras {
            let files = byStem[camera.id] ?? []
            if files.isEmpty {
                problems.append(CaptureError(
                    file: folder.appendingPathComponent(camera.id).path,
                    problem: "missing image for camera '\(camera.id)' (expected \(camera.id).jpg, \(camera.id).jpeg or \(camera.id).png)"))
                continue
            }
            if files.count > 1 {
                problems.append(CaptureError(
                    file: folder.path,
                    problem: "camera '\(camera.id)' has \(files.count) images (\(files.joined(separator: ", "))); keep one"))
                continue
            }
            let url = folder.appendingPathComponent(files[0])
            let info: ImageInfo
            do { info = try ImageFile.info(of: url) } catch let error as ImageError {
                problems.append(CaptureError(file: error.file, problem: error.problem))
                continue
            }
            let expected = (camera.camera.imageWidth, camera.camera.imageHeight)
            if (info.width, info.height) != expected {
                var problem = "image is \(info.width)×\(info.height) but the rig's camera '\(camera.id)' takes \(expected.0)×\(expected.1) images"
                if (info.height, info.width) == expected { problem += " (turned by 90°? Trinocular never rotates images: re-export it unrotated)" }
                else { problem += "; is this the rig these images were taken with?" }
                problems.append(CaptureError(file: url.path, problem: problem))
                continue
            }
            if let o = info.orientation, o != .up {
                warnings.append("\(files[0]) carries EXIF orientation \(o); it is ignored (the rig is calibrated on the stored pixels)")
            }
            views.append(CaptureView(cameraID: camera.id, file: url, info: info))
        }
        let cameraIDs = Set(rig.cameras.map(\.id))
        for stem in byStem.keys.sorted() where !cameraIDs.contains(stem) {
            for name in byStem[stem] ?? [] {
                problems.append(CaptureError(
                    file: folder.appendingPathComponent(name).path,
                    problem: "image for camera '\(stem)', which the rig does not have (rig cameras: \(rig.cameras.map(\.id).joined(separator: ", ")))"))
            }
        }
        if problems.count == 1 { throw problems[0] }
        if !problems.isEmpty { throw CaptureProblems(folder: folder.path, problems: problems) }
        self.views = views
    }
}

extension Capture {
    /// The capture's photographs, 8-bit, in view order, decoded side by side (one per core);
    /// the first view's error, in view order, if any cannot be read.
    public func readImages() throws -> [Image<UInt8>] {
        let slots = ReadImages(count: views.count), files = views.map(\.file)
        Parallel.perform(iterations: files.count) { k in slots.set(k, Result { try ImageFile.read(files[k]).eightBit }) }
        return try slots.values.map { try $0!.get() }
    }
}

/// One decoded image per view, filled in by parallel workers (each its own slot).
private final class ReadImages: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<Image<UInt8>, Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ value: Result<Image<UInt8>, Error>) { lock.lock(); values[k] = value; lock.unlock() }
}
