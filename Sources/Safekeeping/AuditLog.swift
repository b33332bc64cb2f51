import Crypto
import Foundation
import Interchange
#if canImport(Glibc)
import Glibc
#endif

/// One file or folder a command read or wrote, by content only: its SHA-256, never its
/// path — folder and file names can carry a patient's name, and the log is read by people
/// who may not see it. Whether a file was touched is checked by hashing it.
public struct AuditedFile: Sendable, Equatable {
    public enum Kind: String, Sendable { case file, folder }
    public var kind: Kind
    /// SHA-256 of the file's bytes (of a folder: of its files' relative paths and digests, in order).
    public var sha256: String
    public init(kind: Kind, sha256: String) { self.kind = kind; self.sha256 = sha256 }

    /// Hashes a file or, for a folder, every file in it.
    public static func of(_ url: URL) throws -> AuditedFile {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        return AuditedFile(kind: isDirectory.boolValue ? .folder : .file, sha256: try Digest.hex(of: url))
    }
}

/// What a command did to patient data: one entry of the audit log.
public struct AuditRecord: Sendable {
    public var action: String
    /// The capture's pseudonymous subject, when known.
    public var subject: String?
    public var inputs: [AuditedFile]
    public var outputs: [AuditedFile]
    public var tool: String
    public init(action: String, subject: String?, inputs: [AuditedFile], outputs: [AuditedFile], tool: String) {
        self.action = action; self.subject = subject; self.inputs = inputs; self.outputs = outputs; self.tool = tool
    }
}

/// An append-only, hash-chained audit log (JSON Lines, one entry per line).
///
/// Each entry holds `seq` (1, 2, …), `time` (UTC, ISO 8601), `action`, `subject`, `inputs`
/// and `outputs` (kind and SHA-256: no paths, which can carry names), `tool`, `keyed`, `prev` (the previous entry's hash, 64
/// zeros for the first) and last `hash`: SHA-256 — or, with a key, HMAC-SHA256 — of the
/// line's text up to `,"hash"` followed by `}`. Changing, removing, inserting or reordering
/// any entry breaks the chain at that entry; cutting entries off the end is caught against a
/// head (`seq` and `hash` of the last entry) kept elsewhere. With a key, the chain cannot be
/// rewritten from the point of an edit onwards by someone who does not hold the key.
public struct AuditLog: Sendable {
    public let url: URL
    public let key: [UInt8]?
    static let genesis = String(repeating: "0", count: 64)

    public init(url: URL, key: [UInt8]? = nil) { self.url = url; self.key = key }

    /// The log's head: the last entry's sequence number and hash.
    public struct Head: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int
        public var hash: String
        public init(seq: Int, hash: String) { self.seq = seq; self.hash = hash }
        /// `"<seq> <hash>"`, the form `audit head` prints and `audit verify --head` reads.
        public var description: String { "\(seq) \(hash)" }
        public init?(_ text: String) {
            let parts = text.split(whereSeparator: \.isWhitespace)
            guard parts.count == 2, let seq = Int(parts[0]), parts[1].count == 64 else { return nil }
            self.seq = seq; hash = String(parts[1])
        }
    }

    /// Appends `record` under an exclusive lock (several processes may share one log),
    /// fsyncs, and returns the new head. The log and its folder are created 0600/0700.
    /// - Throws: `AuditError` when the log cannot be written or its last entry is damaged.
    @discardableResult
    public func append(_ record: AuditRecord, at time: Date = Date()) throws -> Head {
        try PrivateFile.makeFolder(url.deletingLastPathComponent())
        let fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, PrivateFile.fileMode)
        guard fd >= 0 else { throw AuditError(file: url.path, problem: "cannot be opened (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw AuditError(file: url.path, problem: "cannot be locked") }
        defer { flock(fd, LOCK_UN) }
        _ = fchmod(fd, PrivateFile.fileMode)
        let (last, endsWithNewline) = try lastLine(fd)
        var previous = Head(seq: 0, hash: Self.genesis)
        if let last {
            guard let entry = Self.parse(last) else {
                throw AuditError(file: url.path, problem: "its last entry is damaged; run `trinocular audit verify \(url.path)` before adding to it")
            }
            previous = Head(seq: entry.seq, hash: entry.hash)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func files(_ list: [AuditedFile]) -> JSONValue {
            .array(list.map { .object([("kind", .string($0.kind.rawValue)), ("sha256", .string($0.sha256))]) })
        }
        let body = JSONValue.object([
            ("seq", .int(previous.seq + 1)),
            ("time", .string(formatter.string(from: time))),
            ("action", .string(record.action)),
            ("subject", .optional(record.subject)),
            ("inputs", files(record.inputs)),
            ("outputs", files(record.outputs)),
            ("tool", .string(record.tool)),
            ("keyed", .bool(key != nil)),
            ("prev", .string(previous.hash)),
        ]).text(pretty: false)
        let hash = Self.hash(body, key: key)
        // A log whose last entry lost its newline (an editor, a copy) gets it back first, so
        // that the new entry is a line of its own; the newline is not part of any hash.
        let line = (endsWithNewline ? "" : "\n") + String(body.dropLast()) + ",\"hash\":\"\(hash)\"}\n"
        let bytes = Array(line.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard n == bytes.count, fsync(fd) == 0 else {
            throw AuditError(file: url.path, problem: "cannot be appended to (\(String(cString: strerror(errno))))")
        }
        return Head(seq: previous.seq + 1, hash: hash)
    }

    /// The last non-empty line of the file (nil for an empty log), and whether the file
    /// ends with a newline.
    func lastLine(_ fd: Int32) throws -> (String?, Bool) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AuditError(file: url.path, problem: "cannot be read") }
        var size = Int(info.st_size)
        guard size > 0 else { return (nil, true) }
        var finalByte: UInt8 = 0
        guard pread(fd, &finalByte, 1, off_t(size - 1)) == 1 else { throw AuditError(file: url.path, problem: "cannot be read") }
        let endsWithNewline = finalByte == 10
        return (try lastLine(fd, size: &size), endsWithNewline)
    }

    func lastLine(_ fd: Int32, size: inout Int) throws -> String? {
        var window = 4096
        while true {
            let start = max(0, size - window)
            var buffer = [UInt8](repeating: 0, count: size - start)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(start)) }
            guard n == buffer.count else { throw AuditError(file: url.path, problem: "cannot be read") }
            while buffer.last == 10 { buffer.removeLast(); size -= 1 }
            if buffer.isEmpty { if start == 0 { return nil } else { window *= 2; continue } }
            if let newline = buffer.lastIndex(of: 10) {
                return String(decoding: buffer[(newline + 1)...], as: UTF8.self)
            }
            if start == 0 { return String(decoding: buffer, as: UTF8.self) }
            window *= 2
        }
    }

    static func hash(_ body: String, key: [UInt8]?) -> String {
        if let key {
            return Digest.hex(Array(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: key))))
        }
        return Digest.hex(Array(SHA256.hash(data: Array(body.utf8))))
    }

    struct ParsedLine { var seq: Int; var prev: String; var hash: String; var keyed: Bool; var body: String }

    /// Splits a line into its hashed body and its fields; nil if it is not an entry.
    static func parse(_ line: String) -> ParsedLine? {
        let marker = ",\"hash\":\""
        guard line.hasSuffix("\"}"), let range = line.range(of: marker, options: .backwards) else { return nil }
        // The marker may overlap the closing `"}` (`,"hash":"}`): no hash between them.
        let end = line.index(line.endIndex, offsetBy: -2)
        guard range.upperBound <= end else { return nil }
        let hash = String(line[range.upperBound..<end])
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return nil }
        let body = String(line[..<range.lowerBound]) + "}"
        guard let json = try? JSONValue.parse(Data(body.utf8)), let number = json["seq"]?.number, let prev = json["prev"]?.string,
              let keyed = json["keyed"]?.bool else { return nil }
        // A sequence number is a whole number from 1 to 2⁵³ (what a JSON number holds exactly).
        guard number >= 1, number <= 9_007_199_254_740_992, let seq = Int(exactly: number) else { return nil }
        return ParsedLine(seq: seq, prev: prev, hash: hash, keyed: keyed, body: body)
    }
}

/// The audit log cannot be written, read or checked.
public typealias AuditError = FileProblem

/// SHA-256 digests of files and folders, streamed in 1 MiB reads.
public enum Digest {
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func hex(of bytes: [UInt8]) -> String { hex(Array(SHA256.hash(data: bytes))) }

    /// A file's SHA-256; a folder's is the SHA-256 of "path sha256\n" for each file in it,
    /// sorted by path.
    public static func hex(of url: URL) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw AuditError(file: url.path, problem: "does not exist")
        }
        if isDirectory.boolValue {
            var listing = ""
            let entries = try SealedArchive.list(url)
            for entry in entries where !entry.isFolder { listing += "\(entry.path) \(try hex(of: entry.url))\n" }
            return hex(of: Array(listing.utf8))
        }
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditError(file: url.path, problem: "cannot be read") }
        defer { close(fd) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = readFully(fd, buffer)
            guard n >= 0 else { throw AuditError(file: url.path, problem: "cannot be read") }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if n < buffer.count { break }
        }
        return hex(Array(hasher.finalize()))
    }
}
