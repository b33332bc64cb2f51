import Foundation

/// Where the project's test data lives.
public enum TestPaths {
    /// The package's root folder (this file is Tests/TestSupport/SharedData.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` beside the checkout (CI puts shared/ there), or
    /// `$TRINOCULAR_SHARED_DATA` when set.
    public static let sharedData: URL = {
        if let env = ProcessInfo.processInfo.environment["TRINOCULAR_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    /// A file under shared/data.
    public static func shared(_ relative: String) -> URL { sharedData.appendingPathComponent(relative) }

    /// The bundled samples folder.
    public static let samples: URL = packageRoot.appendingPathComponent("samples")

    /// A fresh, empty temporary folder, removed by the caller (or left for the OS).
    public static func temporaryFolder(_ prefix: String = "trinocular-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Loads a JSON file as Foundation objects (test vectors are plain JSON).
public func loadJSON(_ url: URL) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url))
}

extension Dictionary where Key == String, Value == Any {
    /// A number under `key` (JSON numbers arrive as NSNumber).
    public func double(_ key: String) -> Double { (self[key] as! NSNumber).doubleValue }
    /// An array of numbers under `key`.
    public func doubles(_ key: String) -> [Double] { (self[key] as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    /// An array of arrays of numbers under `key`.
    public func doubleRows(_ key: String) -> [[Double]] {
        (self[key] as! [Any]).map { ($0 as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    }
    public func object(_ key: String) -> [String: Any] { self[key] as! [String: Any] }
    public func objects(_ key: String) -> [[String: Any]] { self[key] as! [[String: Any]] }
}

/// True in scripts/test (release build) (TRINOCULAR_ACCURACY=1): tests that are quick in
/// release but slow in a debug build (meshing, graph searches) run there.
public let releaseRun = ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil
