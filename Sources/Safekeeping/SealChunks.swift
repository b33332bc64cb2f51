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

/// Buffers plaintext into chunks and writes each sealed, two chunks in flight: while this
/// thread reads the next chunk's plaintext and hashes it (each file's digest for the audit
/// log), a second one ciphers the previous chunk, writes it and hashes what it wrote (the
/// archive's digest). So `seal` reads every byte once and keeps both cores busy; memory is
/// two chunks.
final class ChunkWriter {
    let key: SymmetricKey
    let headerDigest: [UInt8]
    let chunkSize: Int
    let out: PrivateFile.Stream
    /// The buffer being filled, and the one the sealing thread may still be reading.
    var buffer: UnsafeMutableRawBufferPointer
    var spare: UnsafeMutableRawBufferPointer
    var count = 0
    var index: UInt64 = 0
    let hashes = SealHashes()
    /// What of the buffer belongs to which file, for the hashes.
    var segments: [SealHashes.Segment] = []
    private let sealing = DispatchQueue(label: "trinocular.seal")
    private let inFlight = DispatchGroup()
    private let failure = SealingFailure()

    init(key: SymmetricKey, headerDigest: [UInt8], chunkSize: Int, out: PrivateFile.Stream) {
        self.key = key
        self.headerDigest = headerDigest
        self.chunkSize = chunkSize
        self.out = out
        buffer = .allocate(byteCount: chunkSize, alignment: 64)
        spare = .allocate(byteCount: chunkSize, alignment: 64)
    }

    deinit {
        inFlight.wait()  // a failed seal still waits for the chunk in flight before freeing
        buffer.deallocate()
        spare.deallocate()
    }

    /// Hands the buffered bytes to the sealing thread as the next chunk. A chunk is flushed
    /// only when more bytes are waiting, so the last one (which may be full) always carries
    /// the `last` flag.
    func flush(last: Bool) throws {
        hashes.absorb(segments, of: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        segments = []
        try awaitChunk()
        nonisolated(unsafe) let plaintext = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        let nonce = chunkNonce(index, last: last), key = self.key, digest = headerDigest
        let hashes = self.hashes, failure = self.failure
        nonisolated(unsafe) let out = self.out
        sealing.async(group: inFlight) {
            do {
                let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: digest)
                try box.ciphertext.withUnsafeBytes { try out.write($0) }
                try box.tag.withUnsafeBytes { try out.write($0) }
                hashes.wrote(box)
            } catch {
                failure.error = error
            }
        }
        swap(&buffer, &spare)
        index += 1
        count = 0
    }

    /// Waits for the chunk in flight; rethrows its failure.
    private func awaitChunk() throws {
        inFlight.wait()
        if let error = failure.error { throw error }
    }

    func append(_ bytes: [UInt8]) throws {
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
    func fill(from fd: Int32, upTo limit: Int64, file: String) throws -> Int {
        if count == chunkSize { try flush(last: false) }
        let want = Int(min(Int64(chunkSize - count), limit))
        let n = readFully(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + want)]))
        guard n > 0 else { throw SealError(file: file, problem: n < 0 ? "cannot be read" : "shrank while it was being sealed") }
        segments.append(.bytes(count..<(count + n)))
        count += n
        return n
    }

    /// Marks the end of a file's bytes (its digest is taken when its chunk is flushed).
    func endFile(_ path: String) { segments.append(.end(path)) }

    /// Seals the last chunk and waits until every chunk is written.
    func finish() throws {
        try flush(last: true)
        try awaitChunk()
    }
}

/// The digests `unseal` takes as it goes: the archive's bytes (on the reading thread, as it
/// reads them), each file's plaintext (on the writing thread, as it writes them).
final class UnsealHashes: @unchecked Sendable {
    private var archive = SHA256()
    private var file = SHA256()
    private var digests: [String: String] = [:]

    func archive(_ bytes: UnsafeRawBufferPointer) { archive.update(bufferPointer: bytes) }

    func file(_ bytes: UnsafeRawBufferPointer) { file.update(bufferPointer: bytes) }

    func endFile(_ path: String) { digests[path] = Digest.hex(Array(file.finalize())); file = SHA256() }

    func finish() -> (files: [String: String], archive: String) { (digests, Digest.hex(Array(archive.finalize()))) }
}

/// The sealing thread's failure (a write error), handed to the reading thread.
final class SealingFailure: @unchecked Sendable {
    var error: Error?
}

/// The audit log's digests of what `seal` reads and writes, taken as it goes: each file's
/// SHA-256, the folder's (SHA-256 of "path sha256\n" per file in archive order, as
/// `Digest.hex(of:)` computes it from the folder), and the archive's. The files' are taken
/// by the reading thread, the archive's by the sealing thread: each field has one thread.
final class SealHashes: @unchecked Sendable {
    enum Segment { case bytes(Range<Int>), end(String) }
    private var file = SHA256()
    private var archive = SHA256()
    private var listing: [UInt8] = []

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

    /// A chunk as written.
    func wrote(_ box: AES.GCM.SealedBox) {
        archive.update(data: box.ciphertext); archive.update(data: box.tag)
    }

    /// The folder's and the archive's digests (hex), once the last chunk is written.
    func finish() -> (folder: String, archive: String) {
        (Digest.hex(of: listing), Digest.hex(Array(archive.finalize())))
    }
}

/// Reads, hashes and authenticates an archive's chunks one at a time, on whichever thread
/// asks: `ChunkReader` asks for the next chunk on a second thread while it writes the
/// current one's files.
final class ChunkSource: @unchecked Sendable {
    let key: SymmetricKey
    let headerDigest: [UInt8]
    let chunkSize: Int
    let fd: Int32
    let file: String
    let hashes: UnsealHashes
    var raw: [UInt8]
    /// The byte read past a full chunk to learn whether it was the last.
    var carry: UInt8? = nil

    init(key: SymmetricKey, headerDigest: [UInt8], chunkSize: Int, fd: Int32, file: String, hashes: UnsealHashes) {
        self.key = key
        self.headerDigest = headerDigest
        self.chunkSize = chunkSize
        self.fd = fd
        self.file = file
        self.hashes = hashes
        raw = [UInt8](repeating: 0, count: chunkSize + 16)
    }

    /// Chunk `index`'s plaintext, and whether it is the archive's last.
    func open(_ index: UInt64) throws -> (plaintext: [UInt8], last: Bool) {
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
        raw.withUnsafeBytes { hashes.archive(UnsafeRawBufferPointer(rebasing: $0[0..<have])) }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(nonce: chunkNonce(index, last: last), ciphertext: raw[0..<(have - 16)],
                                        tag: raw[(have - 16)..<have])
        } catch {
            throw SealError(file: file, problem: "is damaged at chunk \(index)")
        }
        do {
            return (Array(try AES.GCM.open(box, using: key, authenticating: headerDigest)), last)
        } catch {
            // A chunk that opens as a middle chunk but sits at the end: the archive was cut.
            if last, let middle = try? AES.GCM.SealedBox(nonce: chunkNonce(index, last: false), ciphertext: box.ciphertext, tag: box.tag),
               (try? AES.GCM.open(middle, using: key, authenticating: headerDigest)) != nil {
                throw SealError(file: file, problem: "is truncated after chunk \(index) (byte \(SealedArchive.headerSize + Int(index + 1) * (chunkSize + 16)))")
            }
            let offset = SealedArchive.headerSize + Int(index) * (chunkSize + 16)
            throw SealError(file: file, problem: "was altered or damaged: chunk \(index) (bytes \(offset)…\(offset + have - 1)) fails authentication")
        }
    }
}

/// The next chunk, being opened on the prefetching thread.
final class PrefetchedChunk: @unchecked Sendable {
    var result: Result<(plaintext: [UInt8], last: Bool), Error>?
}

/// Hands out the plaintext of an archive's chunks in order. While this thread writes one
/// chunk's files (and hashes them), a second reads, hashes and opens the next.
final class ChunkReader {
    let source: ChunkSource
    var plaintext: [UInt8] = []
    var position = 0
    var index: UInt64 = 0
    var sawLast = false
    /// The audit digests of the archive read and the files written, taken as it goes.
    let hashes = UnsealHashes()
    private let prefetching = DispatchQueue(label: "trinocular.unseal")
    private let inFlight = DispatchGroup()
    private var prefetched: PrefetchedChunk?

    init(key: SymmetricKey, headerDigest: [UInt8], chunkSize: Int, fd: Int32, file: String) {
        source = ChunkSource(key: key, headerDigest: headerDigest, chunkSize: chunkSize, fd: fd, file: file, hashes: hashes)
    }

    /// A failed unseal still waits for the chunk in flight before its file is closed.
    deinit { inFlight.wait() }

    func nextChunk() throws {
        guard !sawLast else { throw SealError(file: source.file, problem: "ends early: its last chunk came before the end of its contents (altered)") }
        let opened: (plaintext: [UInt8], last: Bool)
        if let prefetched {
            inFlight.wait()
            self.prefetched = nil
            opened = try prefetched.result!.get()
        } else {
            opened = try source.open(index)
        }
        plaintext = opened.plaintext
        position = 0
        index += 1
        sawLast = opened.last
        if !sawLast {
            let next = PrefetchedChunk(), source = self.source, index = self.index
            prefetching.async(group: inFlight) { next.result = Result { try source.open(index) } }
            prefetched = next
        }
    }

    /// Exactly `count` bytes (small reads: entry headers).
    func read(_ count: Int) throws -> [UInt8] {
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

    /// Hands up to `limit` bytes of the current chunk to `body` (a file's bytes, hashed
    /// as they are handed); returns how many.
    func drain(upTo limit: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        if position == plaintext.count { try nextChunk() }
        let n = Int(min(Int64(plaintext.count - position), limit))
        try plaintext.withUnsafeBytes {
            let bytes = UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)])
            try body(bytes)
            hashes.file(bytes)
        }
        position += n
        return n
    }

    /// Marks the end of a file's bytes.
    func endFile(_ path: String) { hashes.endFile(path) }

    /// Every file's digest (hex) by path, and the archive's, once the end is read.
    func digests() -> (files: [String: String], archive: String) {
        inFlight.wait()
        return hashes.finish()
    }

    /// After the end marker: nothing but (possibly) an empty last chunk, then the file's end.
    func expectEnd() throws {
        guard position == plaintext.count else { throw SealError(file: source.file, problem: "has data after its end marker (altered)") }
        while !sawLast {
            try nextChunk()
            guard plaintext.isEmpty else { throw SealError(file: source.file, problem: "has data after its end marker (altered)") }
        }
        var extra: UInt8 = 0
        guard source.carry == nil, Glibc.read(source.fd, &extra, 1) == 0 else { throw SealError(file: source.file, problem: "has bytes after its last chunk (altered)") }
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
