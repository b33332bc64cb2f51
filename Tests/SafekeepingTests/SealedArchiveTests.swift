import Foundation
import Safekeeping
import TestSupport
import Testing

/// Sealed archives: byte-identical round trips, and any single altered byte — header
/// included — refused with nothing written. (The C cipher and scrypt code is unoptimised in
/// a debug build: a minute there, seconds in release.)
@Suite(.enabled(if: releaseRun, "scrypt and AES built without optimisation take a minute in debug: runs in scripts/test (release build)"))
struct SealedArchiveTests {
    static let keyBytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 * 11 + 3) }

    /// A small capture-like folder: three images' worth of bytes, a sub-folder, an empty file.
    static func makeFolder(_ root: URL, scale: Int = 1) throws -> URL {
        let folder = root.appendingPathComponent("case")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("depth"), withIntermediateDirectories: true)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func bytes(_ n: Int) -> Data {
            Data((0..<n).map { _ in state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(state >> 56) })
        }
        try bytes(9_000 * scale).write(to: folder.appendingPathComponent("cam0.jpg"))
        try bytes(7_001 * scale).write(to: folder.appendingPathComponent("cam1.jpg"))
        try Data("{\"subject\": \"S017\"}".utf8).write(to: folder.appendingPathComponent("capture.json"))
        try bytes(4_096 * scale).write(to: folder.appendingPathComponent("depth/cam0.pfm"))
        try Data().write(to: folder.appendingPathComponent("depth/empty"))
        return folder
    }

    static func contents(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: folder.path)!
        while let path = e.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
            result[path] = isDirectory.boolValue ? Data("folder".utf8) : try Data(contentsOf: folder.appendingPathComponent(path))
        }
        return result
    }

    @Test func roundTripsByteIdenticallyWithAKeyFileAndAPassphrase() throws {
        let root = try TestPaths.temporaryFolder("seal-roundtrip")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        for (name, key, options) in [("k", SealKey.keyFile(Self.keyBytes), SealOptions(chunkSize: 4096)),
                                     ("p", SealKey.passphrase("correct horse battery staple"), SealOptions(chunkSize: 4096, scryptLogN: 17))] {
            let archive = root.appendingPathComponent("\(name).tseal")
            let sealed = try SealedArchive.seal(folder: folder, to: archive, key: key, options: options)
            #expect(sealed.files == ["cam0.jpg", "cam1.jpg", "capture.json", "depth/cam0.pfm", "depth/empty"])
            #expect(sealed.folders == ["depth"])
            // No plaintext in the archive: the subject id does not appear.
            let raw = try Data(contentsOf: archive)
            #expect(raw.range(of: Data("S017".utf8)) == nil)
            let out = root.appendingPathComponent("out-\(name)")
            let unsealed = try SealedArchive.unseal(archive, to: out, key: key)
            // The audit digests taken on the way (4 KiB chunks: files split across chunks and
            // several in one) are those of the folder and the archive hashed afterwards.
            let folderDigest = try Digest.hex(of: folder), archiveDigest = try Digest.hex(of: archive), outDigest = try Digest.hex(of: out)
            #expect(sealed.folderDigest == folderDigest && sealed.archiveDigest == archiveDigest)
            #expect(unsealed.folderDigest == outDigest)
            #expect(unsealed == sealed)
            #expect(try Self.contents(out) == Self.contents(folder))
        }
    }

    @Test func theWrongKeyIsRefusedAndNothingIsWritten() throws {
        let root = try TestPaths.temporaryFolder("seal-wrong-key")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        let archive = root.appendingPathComponent("case.tseal")
        try SealedArchive.seal(folder: folder, to: archive, key: .passphrase("right"), options: SealOptions(scryptLogN: 12))
        let out = root.appendingPathComponent("out")
        let cases: [(SealKey, String)] = [(.passphrase("wrong"), "key or passphrase is wrong"),
                                          (.keyFile(Self.keyBytes), "sealed with a passphrase")]
        for (key, message) in cases {
            let error = #expect(throws: SealError.self) { try SealedArchive.unseal(archive, to: out, key: key) }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["case", "case.tseal"])
        }
    }

    /// The header is not authenticated before the key is derived: scrypt costs other than
    /// those `seal` writes (N = 2^10…2^18, r = 8, p = 1) are refused before scrypt runs.
    @Test func scryptCostsOutsideTheWrittenSetAreRefusedAtOnce() throws {
        let root = try TestPaths.temporaryFolder("seal-scrypt")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        let archive = root.appendingPathComponent("case.tseal")
        try SealedArchive.seal(folder: folder, to: archive, key: .passphrase("right"), options: SealOptions(scryptLogN: 12))
        let original = [UInt8](try Data(contentsOf: archive))
        for (logN, r, p) in [(22, 32, 16), (19, 8, 1), (17, 9, 1), (17, 8, 2), (9, 8, 1), (255, 255, 255)] {
            var bytes = original
            bytes[11] = UInt8(logN); bytes[15] = UInt8(r); bytes[19] = UInt8(p)
            let altered = root.appendingPathComponent("altered.tseal")
            try Data(bytes).write(to: altered)
            let started = Date()
            let error = #expect(throws: SealError.self) { try SealedArchive.unseal(altered, to: root.appendingPathComponent("out"), key: .passphrase("right")) }
            #expect(error?.problem.contains("scrypt parameters") == true && Date().timeIntervalSince(started) < 0.1,
                    "2^\(logN), \(r), \(p): \(String(describing: error)) after \(Date().timeIntervalSince(started)) s")
        }
        #expect(throws: SealError.self) {
            try SealedArchive.seal(folder: folder, to: root.appendingPathComponent("x.tseal"), key: .passphrase("right"), options: SealOptions(scryptLogN: 19))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["altered.tseal", "case", "case.tseal"])
    }

    /// Every byte of a multi-chunk archive (header, wrapped key, chunks, tags) flipped in turn:
    /// each must fail, and leave no folder and no temporary behind.
    @Test(arguments: ["key", "passphrase"])
    func flippingAnySingleByteFailsWithNothingWritten(mode: String) throws {
        let root = try TestPaths.temporaryFolder("seal-flip-\(mode)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        let archive = root.appendingPathComponent("case.tseal")
        // Small scrypt cost here only because every flip derives the key afresh (thousands of
        // derivations); the format and code path are those of N = 2^17.
        let key: SealKey = mode == "key" ? .keyFile(Self.keyBytes) : .passphrase("flip me")
        try SealedArchive.seal(folder: folder, to: archive, key: key, options: SealOptions(chunkSize: 4096, scryptLogN: 10))
        let original = [UInt8](try Data(contentsOf: archive))
        #expect(original.count > 20_000)
        // Every byte of the header and the first chunk's start, then every 7th byte:
        // each chunk's ciphertext and tag are hit many times.
        let positions = Array(0..<200) + stride(from: 200, to: original.count, by: 7).map { $0 }
        let damaged = root.appendingPathComponent("damaged.tseal")
        let out = root.appendingPathComponent("out")
        var failures = 0
        for position in positions {
            var bytes = original
            bytes[position] ^= UInt8(1 << (position % 8))
            try Data(bytes).write(to: damaged)
            do {
                try SealedArchive.unseal(damaged, to: out, key: key)
                Issue.record("flipping byte \(position) went unnoticed")
            } catch is SealError {
                failures += 1
            }
            if FileManager.default.fileExists(atPath: out.path) { Issue.record("byte \(position): output left behind"); break }
        }
        #expect(failures == positions.count && positions.count > 2_500)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["case", "case.tseal", "damaged.tseal"])
    }

    @Test func truncationAndAppendedBytesAreNamed() throws {
        let root = try TestPaths.temporaryFolder("seal-truncate")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        let archive = root.appendingPathComponent("case.tseal")
        try SealedArchive.seal(folder: folder, to: archive, key: .keyFile(Self.keyBytes), options: SealOptions(chunkSize: 4096))
        let original = [UInt8](try Data(contentsOf: archive))
        let chunk = 4096 + 16
        let damaged = root.appendingPathComponent("damaged.tseal")
        let cases: [([UInt8], String)] = [
            (Array(original[..<(116 + 2 * chunk)]), "truncated after chunk 1"),     // cut at a chunk boundary
            (Array(original[..<(original.count - 5)]), "fails authentication"),
            (Array(original[..<60]), "too short"),
            (original + [0], "fails authentication"),
            (Array("not an archive at all, just text that is long enough for a header....................................................".utf8), "not a sealed Trinocular archive"),
        ]
        for (bytes, message) in cases {
            try Data(bytes).write(to: damaged)
            let error = #expect(throws: SealError.self) {
                try SealedArchive.unseal(damaged, to: root.appendingPathComponent("out"), key: .keyFile(Self.keyBytes))
            }
            #expect(error?.description.contains(message) == true, "\(message): \(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
        }
    }

    @Test func unsafePathsAndExistingOutputsAreRefused() throws {
        let root = try TestPaths.temporaryFolder("seal-refuse")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.makeFolder(root)
        let archive = root.appendingPathComponent("case.tseal")
        try SealedArchive.seal(folder: folder, to: archive, key: .keyFile(Self.keyBytes))
        #expect(throws: SealError.self) { try SealedArchive.unseal(archive, to: folder, key: .keyFile(Self.keyBytes)) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link"), withDestinationURL: URL(fileURLWithPath: "/etc/passwd"))
        let error = #expect(throws: SealError.self) {
            try SealedArchive.seal(folder: folder, to: root.appendingPathComponent("b.tseal"), key: .keyFile(Self.keyBytes))
        }
        #expect(error?.file.hasSuffix("link") == true)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("b.tseal").path))
    }
}
