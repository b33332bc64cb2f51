import Foundation
import Safekeeping
import TestSupport
import Testing

/// The hash-chained audit log: any edit, deletion, insertion or swap of an entry of a
/// 1,000-entry log is found and located; a cut tail is found against an exported head.
struct AuditLogTests {
    static func record(_ i: Int) -> AuditRecord {
        AuditRecord(action: i % 3 == 0 ? "reconstruct" : "measure", subject: "S\(100 + i % 17)",
                    inputs: [AuditedFile(kind: .file, sha256: Digest.hex(of: Array("in \(i)".utf8)))],
                    outputs: [AuditedFile(kind: .folder, sha256: Digest.hex(of: Array("out \(i)".utf8)))],
                    tool: "trinocular test")
    }

    /// A 1,000-entry log, made once per key.
    static func makeLog(_ folder: URL, key: [UInt8]? = nil) throws -> (AuditLog, [String]) {
        let log = AuditLog(url: folder.appendingPathComponent("audit.log"), key: key)
        var head: AuditLog.Head?
        for i in 1...1000 { head = try log.append(record(i), at: Date(timeIntervalSince1970: 1_800_000_000 + Double(i))) }
        #expect(head?.seq == 1000)
        let lines = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 1000)
        return (log, lines)
    }

    /// One unkeyed 1,000-entry log shared by the tests that only read it.
    static let shared: (log: AuditLog, lines: [String]) = {
        let folder = try! TestPaths.temporaryFolder("audit-shared")
        return try! makeLog(folder)
    }()

    static func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    @Test func anIntactLogVerifiesAndHasItsHead() throws {
        let root = try TestPaths.temporaryFolder("audit-intact")
        defer { try? FileManager.default.removeItem(at: root) }
        let (log, lines) = Self.shared
        let verdict = try log.verify(against: try log.head())
        #expect(verdict.problem == nil && verdict.entries == 1000 && verdict.head?.seq == 1000)
        #expect(lines[0].contains("\"prev\":\"\(String(repeating: "0", count: 64))\""))
        #expect(AuditLog.Head(try log.head()!.description) == (try log.head()))
        // The log is private whatever the umask was.
        var st = stat()
        stat(log.url.path, &st)
        #expect(st.st_mode & 0o777 == 0o600)
    }

    @Test func everyKindOfTamperingIsFoundAndLocated() throws {
        let root = try TestPaths.temporaryFolder("audit-tamper")
        defer { try? FileManager.default.removeItem(at: root) }
        let (log, lines) = Self.shared
        let head = try #require(try log.head())
        let tampered = AuditLog(url: root.appendingPathComponent("tampered.log"))
        for k in [1, 2, 137, 500, 999, 1000] {   // entry k sits on line k
            // Edit: one character of the action.
            var edited = lines
            edited[k - 1] = edited[k - 1].replacingOccurrences(of: "\"action\":\"", with: "\"action\":\"x")
            try Self.write(edited, to: tampered.url)
            var problem = try tampered.verify().problem
            #expect(problem?.kind == .altered && problem?.line == k && problem?.entry == k, "edit \(k): \(String(describing: problem))")

            // Delete: the chain breaks at the next entry; the last one only against the head.
            var deleted = lines
            deleted.remove(at: k - 1)
            try Self.write(deleted, to: tampered.url)
            problem = try tampered.verify(against: head).problem
            if k < 1000 {
                #expect(problem?.kind == .removed && problem?.entry == k && problem?.line == k, "delete \(k): \(String(describing: problem))")
            } else {
                #expect(problem?.kind == .truncated && problem?.entry == 1000, "delete \(k): \(String(describing: problem))")
            }

            // Insert a copy of another genuine entry before entry k.
            var inserted = lines
            inserted.insert(lines[(k + 499) % 1000], at: k - 1)
            try Self.write(inserted, to: tampered.url)
            problem = try tampered.verify().problem
            #expect(problem?.line == k && [.inserted, .removed, .reordered].contains(problem!.kind), "insert \(k): \(String(describing: problem))")

            // Swap entries k and k+1.
            if k < 1000 {
                var swapped = lines
                swapped.swapAt(k - 1, k)
                try Self.write(swapped, to: tampered.url)
                problem = try tampered.verify().problem
                #expect(problem?.kind == .reordered && problem?.line == k && problem?.entry == k, "swap \(k): \(String(describing: problem))")
            }
        }
        // A line that is not an entry at all.
        var garbled = lines
        garbled[41] = String(garbled[41].dropLast(3))
        try Self.write(garbled, to: tampered.url)
        #expect(try tampered.verify().problem?.line == 42)
    }

    /// Sequence numbers that are not whole numbers from 1 to 2⁵³ make a line damaged, not a
    /// trap; a log without its final newline is intact and the next entry starts a line.
    @Test func hostileSequenceNumbersAndAMissingNewline() throws {
        let root = try TestPaths.temporaryFolder("audit-hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let log = AuditLog(url: root.appendingPathComponent("audit.log"))
        for i in 1...3 { try log.append(Self.record(i)) }
        let lines = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n").map(String.init)
        for seq in ["1e300", "-1e300", "9.5e15", "0.5", "-3", "1.7976931348623157e308"] {
            var altered = lines
            altered[2] = altered[2].replacingOccurrences(of: "\"seq\":3", with: "\"seq\":\(seq)")
            try Self.write(altered, to: log.url)
            #expect(try log.verify().problem?.kind == .damaged, "\(seq)")
            #expect(throws: AuditError.self) { try log.head() }
            #expect(throws: AuditError.self) { try log.append(Self.record(4)) }
        }
        // Found by FuzzAuditLog: the hash marker overlapping the closing quote trapped.
        try Self.write(Array(lines.prefix(2)) + [#","hash":"}"#], to: log.url)
        #expect(try log.verify().problem?.kind == .damaged)
        #expect(throws: AuditError.self) { try log.head() }
        try Data((lines.joined(separator: "\n")).utf8).write(to: log.url)
        let verdict = try log.verify()
        #expect(verdict.problem == nil && verdict.missingFinalNewline && verdict.entries == 3)
        try log.append(Self.record(4))
        let after = try log.verify()
        #expect(after.problem == nil && !after.missingFinalNewline && after.entries == 4)
    }

    @Test func aCutTailIsFoundOnlyAgainstAHeadKeptElsewhere() throws {
        let root = try TestPaths.temporaryFolder("audit-tail")
        defer { try? FileManager.default.removeItem(at: root) }
        let (log, lines) = Self.shared
        let head = try #require(try log.head())
        let cut = AuditLog(url: root.appendingPathComponent("cut.log"))
        try Self.write(Array(lines.prefix(990)), to: cut.url)
        #expect(try cut.verify().problem == nil)   // a shorter chain is still a chain…
        let problem = try cut.verify(against: head).problem   // …but not the one that was kept
        #expect(problem?.kind == .truncated && problem?.entry == 991)
        #expect(problem?.message.contains("entries 991…1000 were cut off") == true)
    }

    @Test func aKeyedLogCannotBeRewrittenWithoutTheKey() throws {
        let root = try TestPaths.temporaryFolder("audit-keyed")
        defer { try? FileManager.default.removeItem(at: root) }
        let key = Array("a key the practice keeps apart from the log".utf8)
        let (log, lines) = try Self.makeLog(root, key: key)
        #expect(try log.verify().problem == nil)
        #expect(try AuditLog(url: log.url).verify().problem?.kind == .keyNeeded)
        #expect(try AuditLog(url: log.url, key: Array("wrong".utf8)).verify().problem?.kind == .altered)
        // Someone without the key rewrites entry 300 and re-chains everything after it with
        // plain SHA-256: every keyed hash from 300 on is wrong.
        let forger = AuditLog(url: root.appendingPathComponent("forged.log"))
        try Self.write(Array(lines.prefix(299)), to: forger.url)
        for i in 300...1000 { try forger.append(Self.record(i)) }
        let problem = try AuditLog(url: forger.url, key: key).verify().problem
        #expect(problem != nil && problem?.line == 300)
    }

    @Test func concurrentAppendsKeepOneChain() throws {
        let root = try TestPaths.temporaryFolder("audit-concurrent")
        defer { try? FileManager.default.removeItem(at: root) }
        let log = AuditLog(url: root.appendingPathComponent("audit.log"))
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<50 { _ = try? log.append(Self.record(worker * 100 + i)) }
        }
        let verdict = try log.verify()
        #expect(verdict.problem == nil && verdict.entries == 200)
    }
}
