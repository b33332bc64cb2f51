import Foundation

/// exiftool (Debian's libimage-exiftool-perl), the reference reader and writer of image
/// metadata: the de-identification tests write identifying tags with it and read back
/// what is left.
public enum ExifTool {
    public static let path: String? = ["/usr/bin/exiftool", "/usr/local/bin/exiftool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    public static var available: Bool { path != nil }

    /// Runs exiftool with `arguments` (writing in place, no `_original` copies).
    public static func run(_ arguments: [String]) throws {
        let (status, _, err) = try launch(["-overwrite_original", "-q"] + arguments)
        guard status == 0 else { throw ExifToolFailure(message: err) }
    }

    /// Every tag exiftool finds, keyed "Group1:Name" (`-G1 -a -u`), values as text.
    public static func tags(_ url: URL) throws -> [String: String] {
        let (status, out, err) = try launch(["-j", "-G1", "-a", "-u", url.path])
        guard status == 0 || status == 1, let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]],
              let first = json.first else { throw ExifToolFailure(message: err) }
        var result: [String: String] = [:]
        for (key, value) in first where key != "SourceFile" { result[key] = "\(value)" }
        return result
    }

    static func launch(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/exiftool")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

public struct ExifToolFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "exiftool failed: \(message)" }
}
