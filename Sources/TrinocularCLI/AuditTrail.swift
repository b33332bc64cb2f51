import Foundation
import Interchange
import Pipeline
import Safekeeping

/// The audit log every command that reads or writes patient data appends to.
///
/// Where: `$TRINOCULAR_AUDIT_LOG`, else `$XDG_STATE_HOME/trinocular/audit.log`, else
/// `~/.local/state/trinocular/audit.log` (created 0600 in a 0700 folder). With
/// `$TRINOCULAR_AUDIT_KEY_FILE` naming a key file kept apart from the log, entries are
/// HMAC-SHA256-keyed, so that nobody without the key can rewrite them; with
/// `$TRINOCULAR_AUDIT_HEAD_FILE`, every append also leaves the log's head there.
enum AuditTrail {
    static var logURL: URL {
        let env = ProcessInfo.processInfo.environment
        if let path = env["TRINOCULAR_AUDIT_LOG"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let state = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return state.appendingPathComponent("trinocular/audit.log")
    }

    static func key(file: String? = nil) throws -> [UInt8]? {
        guard let path = file ?? ProcessInfo.processInfo.environment["TRINOCULAR_AUDIT_KEY_FILE"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(file: path, problem: "the audit key file cannot be read")
        }
        guard data.count >= 16 else { throw AuditError(file: path, problem: "the audit key file holds \(data.count) bytes; a key needs at least 16") }
        return Array(data)
    }

    static func log(keyFile: String? = nil, at path: String? = nil) throws -> AuditLog {
        AuditLog(url: path.map { URL(fileURLWithPath: $0) } ?? logURL, key: try key(file: keyFile))
    }

    /// Appends one entry: what was done, to whom (a subject that looks like a name, a date
    /// or a record number is withheld, never written), and the SHA-256 of every input and
    /// output (folders by their files).
    static func record(_ action: String, subject: String?, inputs: [URL], outputs: [URL]) throws {
        try record(action, subject: subject, inputs: try inputs.map(AuditedFile.of), outputs: try outputs.map(AuditedFile.of))
    }

    /// The same with the digests already taken (`seal` hashes what it reads and writes as it goes).
    static func record(_ action: String, subject: String?, inputs: [AuditedFile], outputs: [AuditedFile]) throws {
        let shown = subject.flatMap { IdentifierScreen().suspicion($0) == nil ? $0 : "(withheld: not a pseudonym)" }
        let record = AuditRecord(action: action, subject: shown, inputs: inputs, outputs: outputs,
                                 tool: "trinocular \(TrinocularVersion.string)")
        let head = try log().append(record)
        try keepHead(head)
    }

    /// `$TRINOCULAR_AUDIT_HEAD_FILE`: where every append leaves the log's new head
    /// ("SEQ HASH"), and where `audit verify` looks for it. Kept where the log's users cannot
    /// write (another volume, a folder only the auditor can change), it lets `verify` catch
    /// entries cut off the end of the log, which the chain alone cannot.
    static var headFileURL: URL? {
        guard let path = ProcessInfo.processInfo.environment["TRINOCULAR_AUDIT_HEAD_FILE"], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }

    static func keepHead(_ head: AuditLog.Head) throws {
        guard let url = headFileURL else { return }
        try PrivateFile.write(Array((head.description + "\n").utf8), to: url)
    }
}
