import ArgumentParser
import Foundation
import Interchange
import Safekeeping
#if canImport(Glibc)
import Glibc
#endif

/// Where a sealed archive's key comes from: a key file, a passphrase file, an environment
/// variable, or the terminal.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("key-file"), help: ArgumentHelp("A key file (64 hex digits, or ≥ 32 raw bytes), kept apart from the archive.", valueName: "FILE"))
    var keyFile: String?

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("Read the passphrase from the first line of FILE.", valueName: "FILE"))
    var passphraseFile: String?

    @Option(name: .customLong("passphrase-env"), help: ArgumentHelp("Read the passphrase from environment variable VAR.", valueName: "VAR"))
    var passphraseEnv: String?

    func validate() throws {
        if [keyFile, passphraseFile, passphraseEnv].compactMap({ $0 }).count > 1 {
            throw ValidationError("give one of --key-file, --passphrase-file, --passphrase-env")
        }
    }

    /// The key; asks on the terminal (twice when `confirm`) if no option names one.
    func key(confirm: Bool) throws -> SealKey {
        if let keyFile { return .keyFile(try Self.readKeyFile(keyFile)) }
        if let passphraseFile {
            guard let data = FileManager.default.contents(atPath: passphraseFile) else {
                throw SealError(file: passphraseFile, problem: "the passphrase file cannot be read")
            }
            return .passphrase(try Self.checked(String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "", source: passphraseFile))
        }
        if let passphraseEnv {
            guard let value = ProcessInfo.processInfo.environment[passphraseEnv] else {
                throw SealError(file: "$" + passphraseEnv, problem: "is not set")
            }
            return .passphrase(try Self.checked(value, source: "$" + passphraseEnv))
        }
        guard isatty(0) != 0 else {
            throw ValidationError("no key given: pass --key-file, --passphrase-file or --passphrase-env (or run in a terminal to be asked)")
        }
        let first = String(cString: getpass("Passphrase: "))
        if confirm, String(cString: getpass("Passphrase again: ")) != first {
            throw ValidationError("the two passphrases differ")
        }
        return .passphrase(try Self.checked(first, source: "the terminal"))
    }

    static func checked(_ passphrase: String, source: String) throws -> String {
        guard passphrase.count >= 8 else { throw SealError(file: source, problem: "the passphrase is shorter than 8 characters") }
        return passphrase
    }

    static func readKeyFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SealError(file: path, problem: "the key file cannot be read") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        guard data.count >= 32 else { throw SealError(file: path, problem: "the key file holds \(data.count) bytes; a key needs 64 hex digits or at least 32 bytes") }
        return Array(data)
    }
}

/// `trinocular seal FOLDER --out CASE.tseal`.
struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seal a folder (a capture, a case, a study) into one encrypted archive.",
        discussion: """
            Every file and sub-folder goes into CASE.tseal, encrypted and authenticated with \
            AES-256-GCM in 1 MiB chunks (memory stays a few MB whatever the folder's size). \
            The archive's random data key is wrapped by a key from --key-file (HKDF-SHA256) \
            or from a passphrase (scrypt, N = 2^17, r = 8, p = 1: about half a second and \
            128 MiB to try one passphrase, which is the point). Keep the key file or the \
            passphrase apart from the archive: without it the archive cannot be opened, by \
            anyone. --new-key FILE makes a fresh random key file (0600) and seals with it.

            The archive is written 0600 through a temporary name; nothing is left if \
            sealing fails. The folder is not removed: check the archive with `trinocular \
            unseal` before deleting anything. The action is recorded in the audit log.
            """)

    @Argument(help: ArgumentHelp("The folder to seal.", valueName: "FOLDER"))
    var folder: String

    @Option(help: ArgumentHelp("The archive to write (conventionally CASE.tseal).", valueName: "CASE.tseal"))
    var out: String

    @OptionGroup var keys: KeyOptions

    @Option(name: .customLong("new-key"), help: ArgumentHelp("Make a new random key file at FILE (must not exist) and seal with it.", valueName: "FILE"))
    var newKey: String?

    @Flag(help: "Replace an existing archive at --out.")
    var force = false

    func validate() throws {
        if newKey != nil, keys.keyFile != nil || keys.passphraseFile != nil || keys.passphraseEnv != nil {
            throw ValidationError("--new-key makes the key; do not give another")
        }
    }

    func run() throws {
        let source = URL(fileURLWithPath: folder).standardizedFileURL
        let archive = URL(fileURLWithPath: out).standardizedFileURL
        if FileManager.default.fileExists(atPath: archive.path), !force {
            throw SealError(file: archive.path, problem: "already exists; pass --force to replace it")
        }
        if archive.path.hasPrefix(source.path + "/") {
            throw SealError(file: archive.path, problem: "lies inside the folder being sealed; write it elsewhere")
        }
        for (url, what) in [(archive, "--out"), (newKey.map { URL(fileURLWithPath: $0) }, "--new-key")] {
            guard let url else { continue }
            var isDirectory: ObjCBool = false
            let parent = url.deletingLastPathComponent()
            guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SealError(file: url.path, problem: "\(what)'s folder \(parent.path) does not exist; create it first")
            }
        }
        let key: SealKey
        var madeKey: URL?
        if let newKey {
            let url = URL(fileURLWithPath: newKey)
            if FileManager.default.fileExists(atPath: url.path) { throw SealError(file: url.path, problem: "already exists; --new-key does not overwrite a key") }
            let bytes = SymmetricKeyBytes.random(32)
            try PrivateFile.write(Array((Digest.hex(bytes) + "\n").utf8), to: url)
            key = .keyFile(bytes)
            madeKey = url
        } else {
            key = try keys.key(confirm: true)
        }
        let started = Date()
        var lastReport = Date()
        let summary: SealSummary
        do {
            summary = try SealedArchive.seal(folder: source, to: archive, key: key) { bytes in
                if Date().timeIntervalSince(lastReport) > 2 {
                    lastReport = Date()
                    progress(String(format: "sealed %.0f MB", Double(bytes) / 1e6))
                }
            }
        } catch {
            if let madeKey { unlink(madeKey.path) }   // a key to no archive is of no use
            throw error
        }
        if let madeKey { progress("new key written to \(madeKey.path): keep it apart from the archive") }
        let seconds = Date().timeIntervalSince(started)
        if let folder = summary.folderDigest, let sealed = summary.archiveDigest {
            try AuditTrail.record("seal", subject: nil, inputs: [AuditedFile(kind: .folder, sha256: folder)],
                                  outputs: [AuditedFile(kind: .file, sha256: sealed)])
        } else {
            try AuditTrail.record("seal", subject: nil, inputs: [source], outputs: [archive])
        }
        print(String(format: "sealed %d files (%.1f MB) in %.1f s into %@ (peak memory %d MB)", summary.files.count, Double(summary.bytes) / 1e6, seconds, archive.path, PeakMemory.megabytes))
    }
}

/// `trinocular unseal CASE.tseal --out FOLDER`.
struct Unseal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a sealed archive into a new folder.",
        discussion: """
            Files appear in FOLDER only once every chunk has authenticated: a wrong key or \
            passphrase, an altered byte anywhere (header included), a truncated or extended \
            archive is refused with the reason, and nothing is left. Until then they are \
            decrypted, chunk by authenticated chunk, into FOLDER/.unsealing.partial-PID \
            (never outside FOLDER), removed on failure or Ctrl-C; a run killed outright \
            leaves it until the next unseal to FOLDER. Files come out 0600 in 0700 folders. \
            The action is recorded in the audit log.
            """)

    @Argument(help: ArgumentHelp("The sealed archive.", valueName: "CASE.tseal"))
    var archive: String

    @Option(help: ArgumentHelp("The folder to create (must not exist).", valueName: "FOLDER"))
    var out: String

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let source = URL(fileURLWithPath: archive).standardizedFileURL
        let target = URL(fileURLWithPath: out).standardizedFileURL
        let summary = try SealedArchive.unseal(source, to: target, key: try keys.key(confirm: false))
        if let sealed = summary.archiveDigest, let folder = summary.folderDigest {
            try AuditTrail.record("unseal", subject: nil, inputs: [AuditedFile(kind: .file, sha256: sealed)],
                                  outputs: [AuditedFile(kind: .folder, sha256: folder)])
        } else {
            try AuditTrail.record("unseal", subject: nil, inputs: [source], outputs: [target])
        }
        print(String(format: "unsealed %d files (%.1f MB) into %@ (peak memory %d MB)", summary.files.count, Double(summary.bytes) / 1e6, target.path, PeakMemory.megabytes))
    }
}

/// `trinocular audit verify|head`.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the tamper-evident audit log, or print its head to keep elsewhere.",
        discussion: """
            Every command that reads or writes patient data (reconstruct, measure, compare, \
            deidentify, seal, unseal) appends an entry to the audit log: the time, the \
            action, the pseudonymous subject, the SHA-256 of every input and output, the \
            tool's version, and the previous entry's hash. The log is $TRINOCULAR_AUDIT_LOG, \
            else ~/.local/state/trinocular/audit.log; with $TRINOCULAR_AUDIT_KEY_FILE the \
            entries are HMAC-keyed.

            `audit verify` reports the first entry that was altered, removed, inserted or \
            reordered (exit 1), or that the log is intact (exit 0). A log cut short is still \
            a chain: export its head now and then (`audit head`, printed as "SEQ HASH") to \
            somewhere the log's users cannot write, and verify against it with --head. \
            Easier: set $TRINOCULAR_AUDIT_HEAD_FILE to such a place; every command then \
            leaves the new head there, and `audit verify` checks against it.
            """,
        subcommands: [Verify.self, Head.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every entry and the chain between them.")
        @Argument(help: ArgumentHelp("The log (default: the configured audit log).", valueName: "LOG"))
        var log: String?
        @Option(help: ArgumentHelp("A head kept elsewhere: \"SEQ HASH\", or a file holding it.", valueName: "HEAD"))
        var head: String?
        @Option(name: .customLong("key-file"), help: ArgumentHelp("The key of a keyed log (default: $TRINOCULAR_AUDIT_KEY_FILE).", valueName: "FILE"))
        var keyFile: String?

        func run() throws {
            let audit = try AuditTrail.log(keyFile: keyFile, at: log)
            var kept: AuditLog.Head?
            var keptFrom = "--head"
            if head == nil, log == nil, let url = AuditTrail.headFileURL, FileManager.default.fileExists(atPath: url.path) {
                keptFrom = url.path
                kept = try Self.readHead(url.path, from: keptFrom)
            } else if let head {
                kept = try Self.readHead(head, from: keptFrom)
            }
            let verdict = try audit.verify(against: kept)
            if let problem = verdict.problem {
                FileHandle.standardError.write(Data("\(audit.url.path): \(problem.message)\n".utf8))
                throw ExitCode(ExitStatus.workFailed)
            }
            var report = "\(audit.url.path): intact, \(verdict.entries) entries"
            if let kept {
                report += ", reaching the head kept in \(keptFrom) (entry \(kept.seq))"
            } else {
                report += "; without a head kept elsewhere (--head, or $TRINOCULAR_AUDIT_HEAD_FILE) entries cut off its end cannot be detected"
                if let h = verdict.head { report += ": keep this head apart from the log: \(h)" }
            }
            if verdict.missingFinalNewline { report += "\nnote: its last entry has no final newline (the next entry adds it; the newline is not hashed)" }
            print(report)
        }

        static func readHead(_ value: String, from source: String) throws -> AuditLog.Head {
            var text = value
            if FileManager.default.fileExists(atPath: value) {
                let data = try InputLimits.read(URL(fileURLWithPath: value), limit: 4096, what: "a head file")
                text = String(decoding: data, as: UTF8.self)
            }
            guard let parsed = AuditLog.Head(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw AuditError(file: source, problem: "a head is \"SEQ HASH\" (as `trinocular audit head` prints) or a file holding it")
            }
            return parsed
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the last entry's number and hash (\"SEQ HASH\").")
        @Argument(help: ArgumentHelp("The log (default: the configured audit log).", valueName: "LOG"))
        var log: String?

        @Option(help: ArgumentHelp("Also write the head to FILE (0600), e.g. on a volume the log's users cannot write.", valueName: "FILE"))
        var out: String?

        func run() throws {
            let audit = AuditLog(url: log.map { URL(fileURLWithPath: $0) } ?? AuditTrail.logURL)
            guard let head = try audit.head() else { throw AuditError(file: audit.url.path, problem: "is empty") }
            if let out { try PrivateFile.write(Array((head.description + "\n").utf8), to: URL(fileURLWithPath: out)) }
            print(head.description)
        }
    }
}

enum SymmetricKeyBytes {
    static func random(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var g = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = g.next() }
        return bytes
    }
}

/// This process's peak resident memory (Linux: VmHWM of /proc/self/status), in MB; 0 where
/// it cannot be read.
enum PeakMemory {
    static var megabytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kB = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return (kB * 1024 + 500_000) / 1_000_000
    }
}
