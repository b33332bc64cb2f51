import Crypto
import CryptoExtras
import Foundation
import Interchange
#if canImport(Glibc)
import Glibc
#endif

/// What unlocks a sealed archive.
public enum SealKey: Sendable {
    /// A passphrase, stretched by scrypt (N = 2^logN, r = 8, p = 1; logN ≥ 17 when sealing
    /// from the command line: ~0.4 s and 128 MiB per derivation, which is the point).
    case passphrase(String)
    /// A key file's bytes (at least 32 of them, e.g. from `trinocular seal --new-key`),
    /// stretched by HKDF-SHA256 with the archive's salt.
    case keyFile([UInt8])
}

/// How an archive is sealed.
public struct SealOptions: Sendable {
    /// Plaintext bytes per authenticated chunk (4 KiB … 16 MiB; 1 MiB by default). Memory
    /// use is a few chunks whatever the folder's size.
    public var chunkSize: Int = 1 << 20
    /// scrypt cost: N = 2^scryptLogN (17 by default; the command line never goes lower).
    public var scryptLogN: Int = 17
    public init(chunkSize: Int = 1 << 20, scryptLogN: Int = 17) {
        self.chunkSize = chunkSize
        self.scryptLogN = scryptLogN
    }
}

/// What was sealed or unsealed.
public struct SealSummary: Sendable, Equatable {
    /// Files and folders (relative paths, `/`-separated), in archive order.
    public var files: [String]
    public var folders: [String]
    /// Plaintext bytes of all the files.
    public var bytes: Int64
    /// SHA-256 (hex) of the folder (as `Digest.hex(of:)`) and of the archive, taken while
    /// sealing or unsealing: what the audit log records, without reading either again.
    public var folderDigest: String? = nil
    public var archiveDigest: String? = nil
}

/// A sealed case archive (`.tseal`, format version 1): a folder's files and sub-folders in
/// one file, encrypted and authenticated with AES-256-GCM in chunks, so that a capture of
/// any size streams through a few megabytes of memory.
///
/// Layout (integers big-endian):
/// ```
/// header (116 bytes)
///   0  "TRNSEAL\n"          magic
///   8  u16 version = 1
///  10  u8  kdf              1 = scrypt(passphrase), 2 = HKDF-SHA256(key file)
///  11  u8  log2 N           scrypt (0 for a key file)
///  12  u32 r, u32 p         scrypt
///  20  32 bytes salt
///  52  u32 chunk size       plaintext bytes per chunk
///  56  60 bytes             the archive's random data key, sealed (nonce ‖ 32 ‖ tag) by the
///                           key-encryption key with header[0..<56] as associated data
/// chunks: ciphertext ‖ 16-byte tag, each of `chunk size` plaintext bytes but the last
///   nonce = 0x000000 ‖ u8 last ‖ u64 index; associated data = SHA-256(header)
/// ```
/// The plaintext is a sequence of entries: `u8 kind (1 folder, 2 file, 0 end)`, `u16 path
/// length`, the UTF-8 relative path, and for a file `u64 size` and its bytes.
/// Any altered, inserted, removed or reordered byte — header included — fails
/// authentication; a cut at a chunk boundary fails on the `last` flag.
public enum SealedArchive {
    static let magic = Array("TRNSEAL\n".utf8)
    static let version: UInt16 = 1
    static let headerSize = 116
    static let wrapOffset = 56

    // MARK: Sealing

    /// Seals every regular file and folder under `folder` into `archive` (written 0600 via a
    /// temporary name; nothing is left on failure). Symbolic links are refused.
    /// - Parameter progress: called with the plaintext bytes sealed so far.
    /// - Throws: `SealError` naming the file and the problem.
    @discardableResult
    public static func seal(folder: URL, to archive: URL, key: SealKey, options: SealOptions = SealOptions(),
                            progress: ((Int64) -> Void)? = nil) throws -> SealSummary {
        guard (4096...(16 << 20)).contains(options.chunkSize) else {
            throw SealError(file: archive.path, problem: "chunk size \(options.chunkSize) is outside 4 KiB … 16 MiB")
        }
        let listing = try list(folder)
        var salt = [UInt8](repeating: 0, count: 32)
        fillRandom(&salt)
        var header = [UInt8]()
        header += magic
        header.append(be: version)
        switch key {
        case .passphrase:
            guard ScryptCost.accepted.contains(options.scryptLogN) else {
                throw SealError(file: archive.path, problem: "scrypt log2 N \(options.scryptLogN) is outside \(ScryptCost.accepted.lowerBound) … \(ScryptCost.accepted.upperBound)")
            }
            header.append(1); header.append(UInt8(options.scryptLogN))
            header.append(be: UInt32(ScryptCost.r)); header.append(be: UInt32(ScryptCost.p))
        case .keyFile:
            header.append(2); header.append(0)
            header.append(be: UInt32(0)); header.append(be: UInt32(0))
        }
        header += salt
        header.append(be: UInt32(options.chunkSize))
        let parameters = try KeyParameters(header: header, file: archive.path)
        let kek = try parameters.deriveKEK(key, file: archive.path)
        let dataKey = SymmetricKey(size: .bits256)
        let wrapped = try AES.GCM.seal(dataKey.withUnsafeBytes { Array($0) }, using: kek, authenticating: header)
        header += wrapped.combined!
        precondition(header.count == headerSize)

        PrivateFile.sweepPartials(of: archive)   // what killed runs left
        // Registered before the file exists, so that no signal finds it unregistered.
        let removal = SignalCleanup.remove(PrivateFile.temporary(for: archive))
        defer { SignalCleanup.forget(removal) }
        let out = try PrivateFile.Stream(to: archive)
        let writer = ChunkWriter(key: dataKey, headerDigest: Array(SHA256.hash(data: header)),
                                 chunkSize: options.chunkSize, out: out)
        try out.write(header)
        writer.hashes.wroteHeader(header)
        var summary = SealSummary(files: [], folders: [], bytes: 0)
        for entry in listing {
            let path = Array(entry.path.utf8)
            guard path.count <= Int(UInt16.max) else { throw SealError(file: entry.url.path, problem: "path is too long to seal") }
            var head: [UInt8] = [entry.isFolder ? 1 : 2]
            head.append(be: UInt16(path.count))
            head += path
            if entry.isFolder {
                try writer.append(head)
                summary.folders.append(entry.path)
                continue
            }
            let fd = open(entry.url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SealError(file: entry.url.path, problem: "cannot be read (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw SealError(file: entry.url.path, problem: "cannot be read") }
            let size = Int64(info.st_size)
            head.append(be: UInt64(size))
            try writer.append(head)
            var remaining = size
            while remaining > 0 {
                let n = try writer.fill(from: fd, upTo: remaining, file: entry.url.path)
                remaining -= Int64(n)
                summary.bytes += Int64(n)
                progress?(summary.bytes)
            }
            writer.endFile(entry.path)
            summary.files.append(entry.path)
        }
        try writer.append([0])
        try writer.finish()
        try out.commit()
        (summary.folderDigest, summary.archiveDigest) = writer.hashes.finish()
        return summary
    }

    struct ListedEntry { var url: URL; var path: String; var isFolder: Bool }

    /// The folder's entries in a fixed order (sorted by path, folders before their contents).
    static func list(_ folder: URL) throws -> [ListedEntry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw SealError(file: folder.path, problem: "does not exist")
        }
        guard isDirectory.boolValue else { throw SealError(file: folder.path, problem: "is a file; seal takes a folder") }
        var entries: [ListedEntry] = []
        func walk(_ url: URL, _ relative: String) throws {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() } catch {
                throw SealError(file: url.path, problem: "cannot be listed (\(error.localizedDescription))")
            }
            for name in names where !(name.hasPrefix(".") && name.contains(".partial-")) {
                let child = url.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(child.path, &info) == 0 else { throw SealError(file: child.path, problem: "cannot be read") }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    entries.append(ListedEntry(url: child, path: path, isFolder: true))
                    try walk(child, path)
                case S_IFREG:
                    entries.append(ListedEntry(url: child, path: path, isFolder: false))
                default:
                    throw SealError(file: child.path, problem: "is not a regular file or folder (a link or device); seal takes files and folders only")
                }
            }
        }
        try walk(folder, "")
        return entries
    }

    // MARK: Unsealing

    /// Unseals `archive` into `folder`, which must not exist yet.
    ///
    /// Plaintext is never written outside `folder`: it is created first (0700) and the files
    /// are decrypted — each chunk only after it authenticates — into a hidden staging folder
    /// inside it, `.unsealing.partial-<pid>`, whose entries are moved into `folder` only once
    /// the whole archive has authenticated. On any failure or interruption (SIGINT, SIGTERM,
    /// SIGHUP) `folder` is removed; a run killed outright leaves `folder` holding only its
    /// staging, which the next `unseal` to the same folder removes.
    /// - Throws: `SealError` — wrong key, altered, truncated or not an archive.
    @discardableResult
    public static func unseal(_ archive: URL, to folder: URL, key: SealKey,
                              progress: ((Int64) -> Void)? = nil) throws -> SealSummary {
        PrivateFile.sweepPartials(of: folder)   // staging beside the folder, from earlier versions
        if FileManager.default.fileExists(atPath: folder.path) {
            guard removeAbandonedUnseal(folder) else {
                throw SealError(file: folder.path, problem: "already exists; unseal writes a new folder")
            }
        }
        let fd = open(archive.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SealError.system(file: archive.path, doing: "cannot be read", errno: errno) }
        defer { close(fd) }
        let header = try readExactly(fd, headerSize, file: archive.path, what: "header")
        let parameters = try KeyParameters(header: Array(header[..<wrapOffset]), file: archive.path)
        let kek = try parameters.deriveKEK(key, file: archive.path)
        let dataKey: SymmetricKey
        do {
            let box = try AES.GCM.SealedBox(combined: header[wrapOffset...])
            dataKey = SymmetricKey(data: try AES.GCM.open(box, using: kek, authenticating: header[..<wrapOffset]))
        } catch {
            throw SealError(file: archive.path, problem: "the key or passphrase is wrong, or the archive's header was altered")
        }
        let removal = SignalCleanup.remove(folder)   // before it exists: no unregistered moment
        defer { SignalCleanup.forget(removal) }
        try PrivateFile.makeFolder(folder)
        let staging = folder.appendingPathComponent("\(stagingPrefix)\(getpid())")
        do {
            try PrivateFile.makeFolder(staging)
            let reader = ChunkReader(key: dataKey, headerDigest: Array(SHA256.hash(data: header)),
                                     chunkSize: parameters.chunkSize, fd: fd, file: archive.path)
            header.withUnsafeBytes { reader.hashes.archive($0) }
            var summary = try extract(from: reader, into: staging, file: archive.path, progress: progress)
            let digests = reader.digests()
            summary.archiveDigest = digests.archive
            // The folder's digest as `Digest.hex(of:)` takes it: its files in listing order.
            var listing = ""
            for entry in try list(staging) where !entry.isFolder {
                listing += "\(entry.path) \(try digests.files[entry.path] ?? Digest.hex(of: entry.url))\n"
            }
            summary.folderDigest = Digest.hex(of: Array(listing.utf8))
            for name in try FileManager.default.contentsOfDirectory(atPath: staging.path) {
                guard rename(staging.appendingPathComponent(name).path, folder.appendingPathComponent(name).path) == 0 else {
                    throw SealError.system(file: folder.appendingPathComponent(name).path, doing: "cannot be put in place", errno: errno)
                }
            }
            guard rmdir(staging.path) == 0 else { throw SealError.system(file: staging.path, doing: "cannot be removed", errno: errno) }
            PrivateFile.syncFolder(folder)
            PrivateFile.syncFolder(folder.deletingLastPathComponent())
            return summary
        } catch {
            PrivateFile.removeTree(folder)
            if let e = error as? SealError { throw e }
            throw SealError(file: folder.path, problem: "\(error)")
        }
    }

    /// The name of the staging folder inside an unseal's destination, before the pid.
    static let stagingPrefix = ".unsealing.partial-"

    /// Removes `folder` if all it holds is the staging of an unseal whose process is gone.
    static func removeAbandonedUnseal(_ folder: URL) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path), names.count == 1,
              names[0].hasPrefix(stagingPrefix), PrivateFile.isOrphan(names[0]) else { return false }
        PrivateFile.removeTree(folder)
        return !FileManager.default.fileExists(atPath: folder.path)
    }

    static func extract(from reader: ChunkReader, into staging: URL, file: String,
                        progress: ((Int64) -> Void)?) throws -> SealSummary {
        var summary = SealSummary(files: [], folders: [], bytes: 0)
        while true {
            let kind = try reader.read(1)[0]
            if kind == 0 { break }
            let length = Int(UInt16(be: try reader.read(2)))
            guard let path = String(bytes: try reader.read(length), encoding: .utf8), isSafe(path) else {
                throw SealError(file: file, problem: "holds an unsafe path; not a Trinocular archive")
            }
            let target = staging.appendingPathComponent(path)
            switch kind {
            case 1:
                try PrivateFile.makeFolder(target)
                summary.folders.append(path)
            case 2:
                guard var remaining = Int64(exactly: UInt64(be: try reader.read(8))) else {
                    throw SealError(file: file, problem: "names a file of more than 2^63 bytes; not a Trinocular archive")
                }
                let out = try PrivateFile.Stream(to: target)
                while remaining > 0 {
                    let n = try reader.drain(upTo: remaining) { try out.write($0) }
                    remaining -= Int64(n)
                    summary.bytes += Int64(n)
                    progress?(summary.bytes)
                }
                try out.commit()
                reader.endFile(path)
                summary.files.append(path)
            default:
                throw SealError(file: file, problem: "holds an unknown entry kind \(kind)")
            }
        }
        try reader.expectEnd()
        return summary
    }

    /// No absolute paths, no `..`, no empty components.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }

    static func readExactly(_ fd: Int32, _ count: Int, file: String, what: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { readFully(fd, $0) }
        guard n == count else {
            throw SealError(file: file, problem: n < 0 ? "cannot be read" : "is too short to hold a sealed archive's \(what) (truncated, or not a .tseal file)")
        }
        return buffer
    }

    static func fillRandom(_ bytes: inout [UInt8]) {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes.count * 8))
        key.withUnsafeBytes { raw in bytes = Array(raw) }
    }
}

/// Reads until `buffer` is full or the file ends; the count read, or -1 on error.
func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    var total = 0
    while total < buffer.count {
        let n = read(fd, buffer.baseAddress! + total, buffer.count - total)
        if n < 0, errno == EINTR { continue }
        if n < 0 { return -1 }
        if n == 0 { break }
        total += n
    }
    return total
}

/// A sealed archive that cannot be written or opened.
public typealias SealError = FileProblem
