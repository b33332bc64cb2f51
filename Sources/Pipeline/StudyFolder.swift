import Foundation

/// A study folder: capture folders side by side (contract: "Capture folder"), one per shot,
/// named by the study (pseudonyms, visit and repeat), e.g. `S01-pre-r1/cam0.jpg`.
public enum StudyFolder {
    /// True when `folder` holds an image (`.jpg`, `.jpeg`, `.png`) at its top level.
    public static func holdsImages(_ folder: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.contains { Capture.imageExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
    }

    /// The capture folders under `root`: `root` itself when it holds images (name nil), else
    /// its sub-folders that hold images (hidden ones skipped), sorted by name.
    /// - Parameter usage: appended to the errors, saying what the command takes.
    /// - Throws: `CaptureError` naming `root` when it is not a folder or holds no capture.
    public static func captures(in root: URL, usage: String) throws -> [(name: String?, url: URL)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw CaptureError(file: root.path, problem: "does not exist; \(usage)")
        }
        guard isDirectory.boolValue else { throw CaptureError(file: root.path, problem: "is not a folder; \(usage)") }
        if holdsImages(root) { return [(nil, root)] }
        let subs = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
            .filter { !$0.hasPrefix(".") }
            .map { ($0 as String?, root.appendingPathComponent($0)) }
            .filter { holdsImages($0.1) }
        guard !subs.isEmpty else { throw CaptureError(file: root.path, problem: "holds no images and no capture folders with images; \(usage)") }
        return subs
    }
}
