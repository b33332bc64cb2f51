import Foundation
import GRDB

extension ResultsStore {
    /// Repeatability of one measurement in one session across the study's subjects.
    public struct ReliabilityRow: Sendable {
        public var measurement: String
        public var session: String
        public var unit: String
        public var statistics: Reliability
    }

    /// For every measurement and session with at least two subjects captured at least twice:
    /// the reliability over the subjects' first k captures (k = the fewest any of them has,
    /// captures in folder order). Done runs only.
    public func reliability() throws -> [ReliabilityRow] {
        let rows = try rows().filter { $0.status == "done" && $0.value != nil }
        var groups: [String: [String: [(String, Double)]]] = [:]   // "measurement\tsession" → subject → (capture, value)
        var units: [String: String] = [:]
        for r in rows {
            let key = r.measurement + "\t" + r.session
            groups[key, default: [:]][r.subject, default: []].append((r.capture, r.value!))
            units[key] = r.unit
        }
        var result: [ReliabilityRow] = []
        for key in groups.keys.sorted() {
            let subjects = groups[key]!.filter { $0.value.count >= 2 }
            guard subjects.count >= 2 else { continue }
            let k = subjects.values.map(\.count).min()!
            let table = subjects.keys.sorted().map { s in subjects[s]!.sorted { $0.0 < $1.0 }.prefix(k).map(\.1) }
            guard let statistics = Reliability(table) else { continue }
            let parts = key.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            result.append(ReliabilityRow(measurement: parts[0], session: parts[1], unit: units[key] ?? "", statistics: statistics))
        }
        return result
    }

    /// Every run of the store as it was recorded, with its study's name.
    public func outcomes() throws -> [(study: String, outcome: RunOutcome)] {
        try queue.read { db in
            let runs = try GRDB.Row.fetchAll(db, sql: """
                SELECT run.id AS id, study.name AS study, subject.pseudonym AS subject, session.name AS session, capture.folder AS folder,
                       run.inputs_sha256 AS inputs, run.parameters_sha256 AS psha, run.parameters AS parameters, run.tool AS tool,
                       run.error AS error, run.seconds AS seconds, run.warnings AS warnings
                FROM run JOIN capture ON capture.id = run.capture_id JOIN session ON session.id = capture.session_id
                JOIN subject ON subject.id = session.subject_id JOIN study ON study.id = subject.study_id ORDER BY run.id
                """)
            return try runs.map { r in
                var measurements: [StoredMeasurement] = [], missing: [MissingMeasurement] = []
                for m in try GRDB.Row.fetchAll(db, sql: "SELECT * FROM measurement WHERE run_id = ? ORDER BY id", arguments: [r["id"] as Int64]) {
                    guard let value = m["value"] as Double? else {
                        missing.append(MissingMeasurement(name: m["name"], unit: m["unit"], reason: m["reason"] ?? ""))
                        continue
                    }
                    measurements.append(StoredMeasurement(name: m["name"], value: value, unit: m["unit"], uncertainty: m["uncertainty"], method: m["method"],
                                                          qc: (m["qc"] as String).split(separator: ";").map(String.init)))
                }
                let checks = try GRDB.Row.fetchAll(db, sql: "SELECT * FROM capture_check WHERE run_id = ? ORDER BY id", arguments: [r["id"] as Int64]).map {
                    StoredCheck(id: $0["check_id"], camera: $0["camera"], status: $0["status"], value: $0["value"], threshold: $0["threshold"], message: $0["message"])
                }
                let warnings = (try? JSONSerialization.jsonObject(with: Data((r["warnings"] as String).utf8))) as? [String] ?? []
                let key = CaptureKey(folder: r["folder"], subject: r["subject"], session: r["session"], inputsSHA256: r["inputs"])
                return (r["study"], RunOutcome(key: key, parametersSHA256: r["psha"], parameters: r["parameters"], tool: r["tool"],
                                               error: r["error"], seconds: r["seconds"], warnings: warnings, measurements: measurements, missing: missing,
                                               checks: checks))
            }
        }
    }

    /// Adds every run of `other` (a shard's store) to this one; a run with the same capture,
    /// inputs and parameters replaces this store's. - Returns: the runs merged.
    @discardableResult
    public func merge(_ other: ResultsStore) throws -> Int {
        let runs = try other.outcomes()
        for (study, outcome) in runs { try record(outcome, study: study) }
        return runs.count
    }

    /// The checks that did not pass, of every capture's latest run per parameters (done runs):
    /// (subject, session, capture folder, check), sorted by subject, session, capture.
    public func flaggedChecks() throws -> [(subject: String, session: String, capture: String, check: StoredCheck)] {
        try queue.read { db in
            try GRDB.Row.fetchAll(db, sql: """
                SELECT subject.pseudonym AS subject, session.name AS session, capture.folder AS capture, capture_check.*
                FROM capture_check JOIN run ON run.id = capture_check.run_id
                JOIN capture ON capture.id = run.capture_id AND capture.inputs_sha256 = run.inputs_sha256
                JOIN session ON session.id = capture.session_id JOIN subject ON subject.id = session.subject_id
                WHERE capture_check.status != 'pass' AND run.status = 'done'
                ORDER BY subject.pseudonym, session.name, capture.folder, capture_check.id
                """).map { r in
                (r["subject"], r["session"], r["capture"],
                 StoredCheck(id: r["check_id"], camera: r["camera"], status: r["status"], value: r["value"], threshold: r["threshold"], message: r["message"]))
            }
        }
    }
}
