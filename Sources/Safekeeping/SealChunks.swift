import Crypto
import CryptoExtras
import Foundation
import Interchange
import Parallelism
#if canImport(Glibc)
import Glibc
#endif

/// The key-derivation fields of an archive's header (its first 56 bytes), validated.
/// The scrypt costs a sealed archive may ask for: r = 8, p = 1 and N = 2^10 … 2^18 — the
/// default `seal` writes (2^17, 128 MiB, ~0.4 s) and at most twice that (256 MiB); lower
/// ones are for tests. Anything else is refused before scrypt runs.
public enum ScryptCost {
    public static let accepted = 10...18
    public static let r = 8
    public static let p = 1
}

struct KeyParameters {
    var kdf: UInt8
    var logN: Int
    var r: Int
    var p: Int
    var salt: [UInt8]
    var chunkSize: Int
    var bytes: [UInt8]

    init(header: [UInt8], file: String) throws {
        guard header.count >= SealedArchive.wrapOffset, Array(header[0..<8]) == SealedArchive.magic else {
            throw SealError(file: file, problem: "is not a sealed Trinocular archive (.tseal)")
        }
        let version = UInt16(be: header[8..<10])
        guard version == SealedArchive.version else {
            throw SealError(file: file, problem: "is a sealed archive of format version \(version); this Trinocular reads version \(SealedArchive.version)")
        }
        kdf = header[10]
        logN = Int(header[11])
        r = Int(UInt32(be: header[12..<16]))
        p = Int(UInt32(be: header[16..<20]))
        salt = Array(header[20..<52])
        chunkSize = Int(UInt32(be: header[52..<56]))
        bytes = Array(header[0..<56])
        switch kdf {
        case 1:
            // The header is not authenticated until the key is derived, so the cost it asks
            // for is accepted only from the set `seal` writes, before any work is done.
            guard ScryptCost.accepted.contains(logN), r == ScryptCost.r, p == ScryptCost.p else {
                throw SealError(file: file, problem: "asks for scrypt parameters Trinocular never writes (N = 2^\(logN), r = \(r), p = \(p); "
                                + "accepted: N = 2^\(ScryptCost.accepted.lowerBound)…2^\(ScryptCost.accepted.upperBound), r = \(ScryptCost.r), p = \(ScryptCost.p)): the header was altered")
            }
        case 2:
            guard logN == 0, r == 0, p == 0 else { throw SealError(file: file, problem: "has an altered header") }
        default:
            throw SealError(file: file, problem: "names an unknown key derivation (\(kdf)); the header was altered")
        }
        guard (4096...(16 << 20)).contains(chunkSize) else {
            throw SealError(file: file, problem: "has an implausible chunk size (\(chunkSize) bytes); the header was altered")
        }
    }

    /// The key-encryption key from the user's passphrase or key file.
    func deriveKEK(_ key: SealKey, file: String) throws -> SymmetricKey {
        switch (key, kdf) {
        case (.passphrase(let passphrase), 1):
            do {
                return try KDF.Scrypt.deriveKey(from: Array(passphrase.utf8), salt: salt, outputByteCount: 32,
                                                rounds: 1 << logN, blockSize: r, parallelism: p)
            } catch {
                throw SealError(file: file, problem: "cannot derive the key from the passphrase (\(error))")
            }
        case (.keyFile(let bytes), 2):
            guard bytes.count >= 32 else { throw SealError(file: file, problem: "the key file holds \(bytes.count) bytes; a key needs at least 32") }
            return HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: bytes), salt: salt,
                                          info: Array("trinocular seal v1".utf8), outputByteCount: 32)
        case (.passphrase, _):
            throw SealError(file: file, problem: "was sealed with a key file, not a passphrase; give --key-file")
        case (.keyFile, _):
            throw SealError(file: file, problem: "was sealed with a passphrase, not a key file; give --passphrase-file or --passphrase-env")
        }
    }
}

/// The nonce of chunk `index`: 3 zero bytes, the `last` flag, the index (big-endian).
func chunkNonce(_ index: UInt64, last: Bool) -> AES.GCM.Nonce {
    var bytes: [UInt8] = [0, 0, 0, last ? 1 : 0]
    bytes.append(be: index)
    return try! AES.GCM.Nonce(data: bytes)
}

/// Buffers plaintext into chunks and writes each sealed: memory is two chunks. While one
/// core ciphers and writes a chunk, another hashes it for the audit log — each file's
/// plaintext and the archive's bytes (`SealHashes`) — so that `seal` reads every byte once.
struct ChunkWriter {
    let key: SymmetricKey
    let headerDigest: [UInt8]
    let chunkSize: Int
    let out: PrivateFile.Stream
    var buffer: UnsafeMutableRawBufferPointer
    var count = 0
    var index: UInt64 = 0
    let hashes = SealHashes()
    /// What of the buffer belongs to which file, for the hashes.
    var segments: [SealHashes.Segment] = []

    init(key: SymmetricKey, headerDigest: [UInt8], chunkSize: Int, out: PrivateFile.Stream) {
        self.key = key
        self.headerDigest = headerDigest
        self.chunkSize = chunkSize
        self.out = out
        buffer = .allocate(byteCount: chunkSize, alignment: 64)
    }

    /// Seals the buffered bytes as the next chunk. A chunk is flushed only when more bytes
    /// are waiting, so the last one (which may be full) always carries the `last` flag.
    mutating func flush(last: Bool) throws {
        let hashes = self.hashes, pending = segments, key = self.key, digest = headerDigest
        nonisolated(unsafe) let plaintext = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        let nonce = chunkNonce(index, last: last)
        let sealed = SealedChunkBox()
        // One core hashes this chunk's plaintext (the files' digests); the other the previous
        // chunk's ciphertext (the archive's), then ciphers this one. Then the write.
        Parallel.perform(iterations: 2) { k in
            if k == 0 {
                hashes.absorb(pending, of: plaintext)
            } else {
                hashes.hashWritten()
                sealed.result = Result { try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: digest) }
            }
        }
        let box = try sealed.result!.get()
        try box.ciphertext.withUnsafeBytes { try out.write($0) }
        try box.tag.withUnsafeBytes { try out.write($0) }
        hashes.wrote(box)
        segments = []
        index += 1
        count = 0
    }

    mutating func append(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            if count == chunkSize { try flush(last: false) }
            let n = min(chunkSize - count, bytes.count - offset)
            bytes.withUnsafeBytes { src in
                (buffer.baseAddress! + count).copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
            count += n
            offset += n
        }
    }

    /// Reads up to `limit` bytes of `fd` straight into the chunk buffer.
    mutating func fill(from fd: Int32, upTo limit: Int64, file: String) throws -> Int {
        if count == chunkSize { try flush(last: false) }
        let want = Int(min(Int64(chunkSize - count), limit))
        let n = readFully(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + want)]))
        guard n > 0 else { throw SealError(file: file, problem: n < 0 ? "cannot be read" : "shrank while it was being sealed") }
        segments.append(.bytes(count..<(count + n)))
        count += n
        return n
    }

    /// Marks the end of a file's bytes (its digest is taken when its last chunk is hashed).
    mutating func endFile(_ path: String) { segments.append(.end(path)) }

    mutating func finish() throws {
        try flush(last: true)
        buffer.deallocate()
    }
}

/// The digests `unseal` takes as it goes: the archive's bytes, each file's plaintext.
final class UnsealHashes: @unchecked Sendable {
    private var archive = SHA256()
    private var file = SHA256()
    private var digests: [String: String] = [:]

    func archive(_ bytes: UnsafeRawBufferPointer) { archive.update(bufferPointer: bytes) }

    func files(_ segments: [SealHashes.Segment], of plaintext: UnsafeRawBufferPointer) {
        for segment in segments {
            switch segment {
            case let .bytes(range): file.update(bufferPointer: UnsafeRawBufferPointer(rebasing: plaintext[range]))
            case let .end(path): digests[path] = Digest.hex(Array(file.finalize())); file = SHA256()
            }
        }
    }

    func finish() -> (files: [String: String], archive: String) { (digests, Digest.hex(Array(archive.finalize()))) }
}

/// The plaintext of one chunk, handed from the deciphering thread.
final class OpenedChunkBox: @unchecked Sendable {
    var result: Result<[UInt8], Error>?
}

/// The AES-GCM result of one chunk, handed from the ciphering thread.
final class SealedChunkBox: @unchecked Sendable {
    var result: Result<AES.GCM.SealedBox, Error>?
}

/// The audit log's digests of what `seal` reads and writes, taken as it goes: each file's
/// SHA-256, the folder's (SHA-256 of "path sha256\n" per file in archive order, as
/// `Digest.hex(of:)` computes it from the folder), and the archive's. The archive's
/// ciphertext is hashed one chunk late, beside the next chunk's ciphering.
final class SealHashes: @unchecked Sendable {
    enum Segment { case bytes(Range<Int>), end(String) }
    private var file = SHA256()
    private var archive = SHA256()
    private var listing: [UInt8] = []
    private var unhashed: AES.GCM.SealedBox?

    /// The header and anything else written before the first chunk.
    func wroteHeader(_ bytes: [UInt8]) { archive.update(data: bytes) }

    func absorb(_ segments: [Segment], of plaintext: UnsafeRawBufferPointer) {
        for segment in segments {
            switch segment {
            case let .bytes(range): file.update(bufferPointer: UnsafeRawBufferPointer(rebasing: plaintext[range]))
            case let .end(path):
                listing += Array("\(path) \(Digest.hex(Array(file.finalize())))\n".utf8)
                file = SHA256()
            }
        }
    }

    /// The chunk just written, to hash beside the next one's ciphering.
    func wrote(_ box: AES.GCM.SealedBox) { unhashed = box }

    func hashWritten() {
        guard let box = unhashed else { return }
        archive.update(data: box.ciphertext); archive.update(data: box.tag)
        unhashed = nil
    }

    /// The folder's and the archive's digests (hex), once the last chunk is written.
    func finish() -> (folder: String, archive: String) {
        hashWritten()
        return (Digest.hex(of: listing), Digest.hex(Array(archive.finalize())))
    }
}

/// Reads, authenticates and hands out the plaintext of an archive's chunks in order.
struct ChunkReader {
    let key: SymmetricKey
    let headerDigest: [UInt8]
    let chunkSize: Int
    let fd: Int32
    let file: String
    var raw: [UInt8]
    var carry: UInt8? = nil
    var plaintext: [UInt8] = []
    var position = 0
    var index: UInt64 = 0
    var sawLast = false
    /// The audit digests of the archive read and the files written, taken as it goes.
    let hashes = UnsealHashes()
    /// What of `plaintext` belongs to which file, not yet hashed.
    var segments: [SealHashes.Segment] = []

    init(key: SymmetricKey, headerDigest: [UInt8], chunkSize: Int, fd: Int32, file: String) {
        self.key = key
        self.headerDigest = headerDigest
        self.chunkSize = chunkSize
        self.fd = fd
        self.file = file
        raw = [UInt8](repeating: 0, count: chunkSize + 16)
    }

    mutating func nextChunk() throws {
        guard !sawLast else { throw SealError(file: file, problem: "ends early: its last chunk came before the end of its contents (altered)") }
        var have = 0
        if let c = carry { raw[0] = c; have = 1; carry = nil }
        let n = raw.withUnsafeMutableBytes { readFully(fd, UnsafeMutableRawBufferPointer(rebasing: $0[have...])) }
        guard n >= 0 else { throw SealError(file: file, problem: "cannot be read") }
        have += n
        var last = have < raw.count
        if !last {
            var peek: UInt8 = 0
            let m = Glibc.read(fd, &peek, 1)
            if m == 1 { carry = peek } else { last = true }
        }
        guard have >= 16 else {
            throw SealError(file: file, problem: "is truncated: chunk \(index) is incomplete")
        }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(nonce: chunkNonce(index, last: last), ciphertext: raw[0..<(have - 16)],
                                        tag: raw[(have - 16)..<have])
        } catch {
            throw SealError(file: file, problem: "is damaged at chunk \(index)")
        }
        // One core hashes this chunk's bytes (the archive's digest), the other opens it and
        // then hashes the previous chunk's plaintext (the files' digests).
        let opened = OpenedChunkBox(), hashes = self.hashes, pending = segments, previous = plaintext, key = self.key, digest = headerDigest
        raw.withUnsafeBytes { all in
            nonisolated(unsafe) let bytes = UnsafeRawBufferPointer(rebasing: all[0..<have])
            Parallel.perform(iterations: 2) { k in
                if k == 0 {
                    hashes.archive(bytes)
                } else {
                    opened.result = Result { Array(try AES.GCM.open(box, using: key, authenticating: digest)) }
                    previous.withUnsafeBytes { hashes.files(pending, of: $0) }
                }
            }
        }
        segments = []
        do {
            plaintext = try opened.result!.get()
        } catch {
            // A chunk that opens as a middle chunk but sits at the end: the archive was cut.
            if last, let middle = try? AES.GCM.SealedBox(nonce: chunkNonce(index, last: false), ciphertext: box.ciphertext, tag: box.tag),
               (try? AES.GCM.open(middle, using: key, authenticating: headerDigest)) != nil {
                throw SealError(file: file, problem: "is truncated after chunk \(index) (byte \(SealedArchive.headerSize + Int(index + 1) * (chunkSize + 16)))")
            }
            let offset = SealedArchive.headerSize + Int(index) * (chunkSize + 16)
            throw SealError(file: file, problem: "was altered or damaged: chunk \(index) (bytes \(offset)…\(offset + have - 1)) fails authentication")
        }
        position = 0
        index += 1
        sawLast = last
    }

    /// Exactly `count` bytes (small reads: entry headers).
    mutating func read(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            if position == plaintext.count { try nextChunk() }
            let n = min(count - result.count, plaintext.count - position)
            result += plaintext[position..<(position + n)]
            position += n
        }
        return result
    }

    /// Hands up to `limit` bytes of the current chunk to `body`; returns how many.
    mutating func drain(upTo limit: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        if position == plaintext.count { try nextChunk() }
        let n = Int(min(Int64(plaintext.count - position), limit))
        try plaintext.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)])) }
        segments.append(.bytes(position..<(position + n)))
        position += n
        return n
    }

    /// Marks the end of a file's bytes.
    mutating func endFile(_ path: String) { segments.append(.end(path)) }

    /// Every file's digest (hex) by path, and the archive's, once the end is read.
    mutating func digests() -> (files: [String: String], archive: String) {
        plaintext.withUnsafeBytes { hashes.files(segments, of: $0) }
        segments = []
        return hashes.finish()
    }

    /// After the end marker: nothing but (possibly) an empty last chunk, then the file's end.
    mutating func expectEnd() throws {
        guard position == plaintext.count else { throw SealError(file: file, problem: "has data after its end marker (altered)") }
        while !sawLast {
            try nextChunk()
            guard plaintext.isEmpty else { throw SealError(file: file, problem: "has data after its end marker (altered)") }
        }
        var extra: UInt8 = 0
        guard carry == nil, Glibc.read(fd, &extra, 1) == 0 else { throw SealError(file: file, problem: "has bytes after its last chunk (altered)") }
    }
}

// MARK: Big-endian integers

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(be value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

extension FixedWidthInteger {
    init<C: Collection>(be bytes: C) where C.Element == UInt8 {
        self = bytes.reduce(0) { ($0 << 8) | Self($1) }
    }
}
