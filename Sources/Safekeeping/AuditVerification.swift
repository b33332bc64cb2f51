import Foundation

/// The first thing wrong with an audit log.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case damaged, altered, removed, inserted, reordered, truncated, keyNeeded }
    public var kind: Kind
    /// 1-based line of the log where the chain breaks (nil when it is about the log's end).
    public var line: Int?
    /// The entry (`seq`) concerned, where one can be named.
    public var entry: Int?
    public var message: String
    public var description: String { message }
}

/// What `audit verify` found.
public struct AuditVerdict: Sendable {
    /// Entries read (lines that parse as entries).
    public var entries: Int
    /// The last entry's head, if the log has one.
    public var head: AuditLog.Head?
    /// The first problem, or nil for an intact log.
    public var problem: AuditProblem?
    /// The file's last entry lacks its newline (not part of any hash: the next append adds it).
    public var missingFinalNewline = false
}

extension AuditLog {
    /// The log's current head (nil for an empty log). - Throws: `AuditError` if unreadable
    /// or if its last line is not an entry.
    public func head() throws -> Head? {
        let lines = try readLines()
        guard let last = lines.last else { return nil }
        guard let entry = Self.parse(last) else { throw AuditError(file: url.path, problem: "its last line is not a log entry") }
        return Head(seq: entry.seq, hash: entry.hash)
    }

    func readLines() throws -> [String] { try readLog().lines }

    func readLog() throws -> (lines: [String], endsWithNewline: Bool) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AuditError(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return (lines, data.isEmpty || data.last == 10)
    }

    /// Checks every entry's hash and the chain between them, and — given a head exported
    /// earlier (`audit head`) — that the log still reaches it. Reports the first break:
    /// an altered entry, entries removed, an entry inserted, entries swapped, or a cut tail.
    public func verify(against kept: Head? = nil) throws -> AuditVerdict {
        let (lines, endsWithNewline) = try readLog()
        let parsed = lines.map(Self.parse)
        var expected = 1
        var previous = Self.genesis
        var seen: [Int: String] = [:]
        var lastHead: Head?
        func fail(_ kind: AuditProblem.Kind, _ line: Int?, _ entry: Int?, _ message: String) -> AuditVerdict {
            AuditVerdict(entries: seen.count, head: lastHead, problem: AuditProblem(kind: kind, line: line, entry: entry, message: message))
        }
        for (i, entry) in parsed.enumerated() {
            let line = i + 1
            guard let entry else {
                return fail(.damaged, line, nil, "line \(line) is not a log entry: it was altered or damaged")
            }
            if entry.keyed && key == nil {
                return fail(.keyNeeded, line, entry.seq, "the log is keyed (HMAC-SHA256); give its key file to verify it")
            }
            // With a key, every entry must carry a keyed hash: a plain one is a forgery.
            if key != nil && !entry.keyed {
                return fail(.altered, line, entry.seq, "entry \(entry.seq) (line \(line)) is not keyed: it was not written with the log's key")
            }
            guard Self.hash(entry.body, key: entry.keyed ? key : nil) == entry.hash else {
                return fail(.altered, line, entry.seq, "entry \(entry.seq) (line \(line)) was altered: its hash does not match its contents" +
                            (entry.keyed ? " and the key" : ""))
            }
            if entry.seq != expected || entry.prev != previous {
                let next = i + 1 < parsed.count ? parsed[i + 1] : nil
                if entry.seq > expected, next?.seq == expected {
                    return fail(.reordered, line, expected, "entries \(expected) and \(entry.seq) were swapped (lines \(line) and \(line + 1))")
                }
                if entry.seq > expected {
                    let gone = entry.seq - 1 > expected ? "entries \(expected)…\(entry.seq - 1) were" : "entry \(expected) was"
                    return fail(.removed, line, expected, "\(gone) removed (before line \(line))")
                }
                if entry.seq < expected, seen[entry.seq] == entry.hash {
                    return fail(.inserted, line, entry.seq, "line \(line) repeats entry \(entry.seq): an entry was inserted there")
                }
                if entry.seq < expected {
                    return fail(.reordered, line, entry.seq, "entry \(entry.seq) (line \(line)) is out of order: expected entry \(expected)")
                }
                return fail(.inserted, line, entry.seq, "entry \(entry.seq) (line \(line)) does not follow the entry before it: an entry was inserted or replaced before it")
            }
            seen[entry.seq] = entry.hash
            lastHead = Head(seq: entry.seq, hash: entry.hash)
            expected = entry.seq + 1
            previous = entry.hash
        }
        if let kept {
            let last = lastHead?.seq ?? 0
            if last < kept.seq {
                let cut = last + 1 == kept.seq ? "entry \(kept.seq) was" : "entries \(last + 1)…\(kept.seq) were"
                return fail(.truncated, nil, last + 1, "the log ends at entry \(last) but the head kept elsewhere is entry \(kept.seq): \(cut) cut off")
            }
            if seen[kept.seq] != kept.hash {
                return fail(.altered, nil, kept.seq, "entry \(kept.seq) differs from the head kept elsewhere: the log was rewritten from that entry or before")
            }
        }
        return AuditVerdict(entries: seen.count, head: lastHead, problem: nil, missingFinalNewline: !endsWithNewline)
    }
}
