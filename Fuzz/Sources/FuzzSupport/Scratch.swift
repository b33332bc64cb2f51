import Foundation

/// A scratch folder in memory (/dev/shm where it exists) for harnesses whose parser reads
/// files: each input is written there and removed after.
public enum Scratch {
    public static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("trinocular-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.folder) }
        return url
    }()

    /// Writes `bytes` to `name` in the scratch folder and returns its URL.
    public static func file(_ name: String, _ start: UnsafeRawPointer, _ count: Int) -> URL {
        let url = folder.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes: start, count: count))
        return url
    }

    public static func remove(_ name: String) {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
    }
}
