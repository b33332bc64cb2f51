import Interchange
import Foundation
import GRDB

/// One capture's identity in a study: where it is, whom it shows, and its inputs' digest.
public struct CaptureKey: Sendable, Equatable {
    /// The capture folder's name inside the study folder.
    public var folder: String
    /// Pseudonymous subject and session (capture.json; the folder name when absent).
    public var subject: String
    public var session: String
    /// SHA-256 over the capture's input files (images, rig, capture.json, landmarks).
    public var inputsSHA256: String
    public init(folder: String, subject: String, session: String, inputsSHA256: String) {
        self.folder = folder; self.subject = subject; self.session = session; self.inputsSHA256 = inputsSHA256
    }
}

/// A value measured on a capture's reconstruction.
public struct StoredMeasurement: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var unit: String
    public var uncertainty: Double?
    public var method: String
    /// Quality flags, e.g. "mesh-open", "holes-filled" (empty: nothing to flag).
    public var qc: [String]
    public init(name: String, value: Double, unit: String, uncertainty: Double?, method: String, qc: [String] = []) {
        self.name = name; self.value = value; self.unit = unit; self.uncertainty = uncertainty; self.method = method; self.qc = qc
    }
}

/// A measurement of the plan that could not be made on a capture (a landmark over a hole,
/// a loop off the mesh): stored as a missing value with its reason and the QC flag
/// `not-measured`, so the capture's other measurements stay.
public struct MissingMeasurement: Sendable, Equatable {
    public var name: String
    public var unit: String
    public var reason: String
    public init(name: String, unit: String, reason: String) {
        self.name = name; self.unit = unit; self.reason = reason
    }
}

/// One capture-standard check of a case (`trinocular check`'s items): pass, warn or fail.
public struct StoredCheck: Sendable, Equatable, Codable {
    public var id: String
    public var camera: String?
    public var status: String
    public var value: Double?
    public var threshold: Double?
    public var message: String
    public init(id: String, camera: String?, status: String, value: Double?, threshold: Double?, message: String) {
        self.id = id; self.camera = camera; self.status = status; self.value = value; self.threshold = threshold; self.message = message
    }
}

/// How one case ended.
public struct RunOutcome: Sendable {
    public var key: CaptureKey
    public var parametersSHA256: String
    /// The parameters as JSON text (reconstruction and plan options), for the record.
    public var parameters: String
    public var tool: String
    /// nil: done; otherwise the error that stopped it.
    public var error: String?
    public var seconds: Double
    public var warnings: [String]
    public var measurements: [StoredMeasurement]
    /// The plan's measurements that could not be made (the case is done all the same).
    public var missing: [MissingMeasurement]
    /// The capture's checks against its region's photography protocol (none without one).
    public var checks: [StoredCheck]
    public init(key: CaptureKey, parametersSHA256: String, parameters: String, tool: String, error: String?,
                seconds: Double, warnings: [String], measurements: [StoredMeasurement], missing: [MissingMeasurement] = [], checks: [StoredCheck] = []) {
        self.key = key; self.parametersSHA256 = parametersSHA256; self.parameters = parameters; self.tool = tool
        self.error = error; self.seconds = seconds; self.warnings = warnings; self.measurements = measurements; self.missing = missing
        self.checks = checks
    }
}

/// The results of a study: an SQLite database (`results.sqlite` in the batch's output
/// folder) holding studies, subjects, sessions, captures, runs and measurements.
///
/// Each case is written in one transaction when it ends, so a run killed at any moment leaves
/// every finished case whole and nothing of the others; a case already run with the same
/// inputs and parameters is skipped on the next run.
public final class ResultsStore: @unchecked Sendable {
    public let url: URL
    let queue: DatabaseQueue

    /// Opens (creating if needed) the store at `url`. - Throws: `StoreError` naming the file.
    public init(url: URL) throws {
        self.url = url
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw StoreError(file: url.path, problem: "cannot be opened as a results store (\(error))")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE study (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE subject (id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES study(id),
                                      pseudonym TEXT NOT NULL, UNIQUE (study_id, pseudonym));
                CREATE TABLE session (id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL REFERENCES subject(id),
                                      name TEXT NOT NULL, UNIQUE (subject_id, name));
                CREATE TABLE capture (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES session(id),
                                      folder TEXT NOT NULL UNIQUE, inputs_sha256 TEXT NOT NULL);
                CREATE TABLE run (id INTEGER PRIMARY KEY, capture_id INTEGER NOT NULL REFERENCES capture(id),
                                  inputs_sha256 TEXT NOT NULL, parameters_sha256 TEXT NOT NULL, parameters TEXT NOT NULL,
                                  tool TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
                                  error TEXT, seconds REAL NOT NULL, warnings TEXT NOT NULL,
                                  UNIQUE (capture_id, inputs_sha256, parameters_sha256));
                CREATE TABLE measurement (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                                          name TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, uncertainty REAL,
                                          method TEXT NOT NULL, qc TEXT NOT NULL, UNIQUE (run_id, name));
                """)
        }
        // v2: a measurement may be missing (value NULL) with the reason it could not be made.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE measurement_v2 (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                                             name TEXT NOT NULL, value REAL, unit TEXT NOT NULL, uncertainty REAL,
                                             method TEXT NOT NULL, qc TEXT NOT NULL, reason TEXT,
                                             CHECK ((value IS NULL) = (reason IS NOT NULL)), UNIQUE (run_id, name));
                INSERT INTO measurement_v2 (id, run_id, name, value, unit, uncertainty, method, qc)
                    SELECT id, run_id, name, value, unit, uncertainty, method, qc FROM measurement;
                DROP TABLE measurement;
                ALTER TABLE measurement_v2 RENAME TO measurement;
                """)
        }
        // v3: the capture-standard checks of each run (issue 21).
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE TABLE capture_check (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                                            check_id TEXT NOT NULL, camera TEXT, status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
                                            value REAL, threshold REAL, message TEXT NOT NULL);
                """)
        }
        return m
    }

    /// Whether the capture was already run with these inputs and parameters (done, or
    /// failed unless `retryFailed`).
    public func hasRun(_ key: CaptureKey, parametersSHA256: String, retryFailed: Bool = false) throws -> Bool {
        try queue.read { db in
            let status = try String.fetchOne(db, sql: """
                SELECT run.status FROM run JOIN capture ON capture.id = run.capture_id
                WHERE capture.folder = ? AND run.inputs_sha256 = ? AND run.parameters_sha256 = ?
                """, arguments: [key.folder, key.inputsSHA256, parametersSHA256])
            guard let status else { return false }
            return status == "done" || !retryFailed
        }
    }

    /// Records a case in one transaction: study, subject, session and capture rows as
    /// needed, the run (replacing an earlier one with the same inputs and parameters) and its
    /// measurements.
    public func record(_ outcome: RunOutcome, study: String) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO study (name) VALUES (?)", arguments: [study])
            let studyID = try Int64.fetchOne(db, sql: "SELECT id FROM study WHERE name = ?", arguments: [study])!
            try db.execute(sql: "INSERT OR IGNORE INTO subject (study_id, pseudonym) VALUES (?, ?)", arguments: [studyID, outcome.key.subject])
            let subjectID = try Int64.fetchOne(db, sql: "SELECT id FROM subject WHERE study_id = ? AND pseudonym = ?", arguments: [studyID, outcome.key.subject])!
            try db.execute(sql: "INSERT OR IGNORE INTO session (subject_id, name) VALUES (?, ?)", arguments: [subjectID, outcome.key.session])
            let sessionID = try Int64.fetchOne(db, sql: "SELECT id FROM session WHERE subject_id = ? AND name = ?", arguments: [subjectID, outcome.key.session])!
            try db.execute(sql: """
                INSERT INTO capture (session_id, folder, inputs_sha256) VALUES (?, ?, ?)
                ON CONFLICT (folder) DO UPDATE SET session_id = excluded.session_id, inputs_sha256 = excluded.inputs_sha256
                """, arguments: [sessionID, outcome.key.folder, outcome.key.inputsSHA256])
            let captureID = try Int64.fetchOne(db, sql: "SELECT id FROM capture WHERE folder = ?", arguments: [outcome.key.folder])!
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "DELETE FROM run WHERE capture_id = ? AND inputs_sha256 = ? AND parameters_sha256 = ?",
                           arguments: [captureID, outcome.key.inputsSHA256, outcome.parametersSHA256])
            let warnings = String(decoding: try JSONSerialization.data(withJSONObject: outcome.warnings), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO run (capture_id, inputs_sha256, parameters_sha256, parameters, tool, status, error, seconds, warnings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [captureID, outcome.key.inputsSHA256, outcome.parametersSHA256, outcome.parameters, outcome.tool,
                                 outcome.error == nil ? "done" : "failed", outcome.error, outcome.seconds, warnings])
            let runID = db.lastInsertedRowID
            for m in outcome.measurements {
                try db.execute(sql: "INSERT INTO measurement (run_id, name, value, unit, uncertainty, method, qc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [runID, m.name, m.value, m.unit, m.uncertainty, m.method, m.qc.joined(separator: ";")])
            }
            for m in outcome.missing {
                try db.execute(sql: "INSERT INTO measurement (run_id, name, value, unit, method, qc, reason) VALUES (?, ?, NULL, ?, '', ?, ?)",
                               arguments: [runID, m.name, m.unit, ResultsStore.notMeasured, m.reason])
            }
            for c in outcome.checks {
                try db.execute(sql: "INSERT INTO capture_check (run_id, check_id, camera, status, value, threshold, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [runID, c.id, c.camera, c.status, c.value, c.threshold, c.message])
            }
        }
    }

    /// One row of the tidy export.
    public struct Row: Sendable, Equatable {
        public var study, subject, session, capture, measurement, unit, method, qc, status: String
        public var value: Double?
        public var uncertainty: Double?
        public var error: String?
    }

    /// The QC flag of a measurement that could not be made.
    public static let notMeasured = "not-measured"

    /// Every capture's latest run per parameters, and its measurements: one row per subject ×
    /// session × capture × measurement (a failed capture: one row with its error; a missing
    /// measurement: no value, QC `not-measured`, its reason as the error), sorted.
    public func rows() throws -> [Row] {
        try queue.read { db in
            try SwiftRow.fetchAll(db, sql: """
                SELECT study.name AS study, subject.pseudonym AS subject, session.name AS session, capture.folder AS capture,
                       run.status AS status, COALESCE(measurement.reason, run.error) AS error, measurement.name AS measurement, measurement.value AS value,
                       measurement.unit AS unit, measurement.uncertainty AS uncertainty, measurement.method AS method, measurement.qc AS qc
                FROM run JOIN capture ON capture.id = run.capture_id AND capture.inputs_sha256 = run.inputs_sha256
                JOIN session ON session.id = capture.session_id JOIN subject ON subject.id = session.subject_id
                JOIN study ON study.id = subject.study_id
                LEFT JOIN measurement ON measurement.run_id = run.id
                ORDER BY study.name, subject.pseudonym, session.name, capture.folder, measurement.name
                """).map { r in
                Row(study: r["study"], subject: r["subject"], session: r["session"], capture: r["capture"],
                    measurement: r["measurement"] ?? "", unit: r["unit"] ?? "", method: r["method"] ?? "", qc: r["qc"] ?? "",
                    status: r["status"], value: r["value"], uncertainty: r["uncertainty"], error: r["error"])
            }
        }
    }

    /// The tidy table as CSV (RFC 4180; numbers as Swift prints them, which read back exactly).
    public func csv() throws -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var text = "study,subject,session,capture,measurement,value,unit,uncertainty,method,qc,status,error\n"
        for r in try rows() {
            text += [r.study, r.subject, r.session, r.capture, r.measurement, r.value.map { "\($0)" } ?? "", r.unit,
                     r.uncertainty.map { "\($0)" } ?? "", r.method, r.qc, r.status, r.error ?? ""].map(field).joined(separator: ",") + "\n"
        }
        return text
    }
}

typealias SwiftRow = GRDB.Row

/// A results store that cannot be used.
public typealias StoreError = FileProblem
