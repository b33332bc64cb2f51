import ArgumentParser
import Dispatch
import Foundation
import Parallelism
import Studies

/// What a batch case sends back to the batch: its measurements bit for bit (values travel as
/// IEEE-754 bit patterns, so a case run in its own process stores exactly the numbers it
/// would have in-process), its warnings, or the error that ended it.
struct CaseReport: Codable, Sendable {
    struct Value: Codable, Sendable {
        var name: String, unit: String, method: String, qc: [String]
        var valueBits: UInt64, uncertaintyBits: UInt64?
    }
    /// A measurement the plan asks for that could not be made on this capture.
    struct Missing: Codable, Sendable {
        var name: String, unit: String, reason: String
    }
    var error: String?
    var seconds: Double
    var warnings: [String]
    var values: [Value]
    var missing: [Missing]
    /// The capture's checks against its region's protocol (`trinocular check`).
    var checks: [StoredCheck] = []

    init(error: String?, seconds: Double, warnings: [String], measurements: [StoredMeasurement], missing: [MissingMeasurement] = [], checks: [StoredCheck] = []) {
        self.error = error; self.seconds = seconds; self.warnings = warnings; self.checks = checks
        self.missing = missing.map { Missing(name: $0.name, unit: $0.unit, reason: $0.reason) }
        values = measurements.map {
            Value(name: $0.name, unit: $0.unit, method: $0.method, qc: $0.qc,
                  valueBits: $0.value.bitPattern, uncertaintyBits: $0.uncertainty?.bitPattern)
        }
    }

    var missingMeasurements: [MissingMeasurement] { missing.map { MissingMeasurement(name: $0.name, unit: $0.unit, reason: $0.reason) } }

    var measurements: [StoredMeasurement] {
        values.map {
            StoredMeasurement(name: $0.name, value: Double(bitPattern: $0.valueBits), unit: $0.unit,
                              uncertainty: $0.uncertaintyBits.map(Double.init(bitPattern:)), method: $0.method, qc: $0.qc)
        }
    }
}

/// What the batch asks of a case process, on its standard input (not in its arguments,
/// where `ps` would show the folder).
struct CaseRequest: Codable, Sendable {
    var folder: String
    var plan: [UInt8]?
    var landmarks: [UInt8]?
    var threads: Int
    /// Landmarks once per subject: the baseline's files, and whether this case is the
    /// baseline (writes them) or one of the subject's other captures (reads them).
    var baseline: SubjectBaselines.Files? = nil
    var writesBaseline = false
}

/// `trinocular batch-case` (hidden): runs one case of a batch in its own process and prints
/// its `CaseReport` as JSON. A case that crashes or is killed (the out-of-memory killer) takes
/// only itself down; the batch records it as failed and goes on.
struct BatchCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-case", abstract: "One case of `trinocular batch` (used by batch itself).", shouldDisplay: false)

    func run() throws {
        // Ctrl-C at a terminal reaches the whole process group: the batch decides, and lets
        // running cases finish.
        signal(SIGINT, SIG_IGN)
        Self.endWithParent()
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let request = try JSONDecoder().decode(CaseRequest.self, from: input)
        let report = Parallel.withWidth(request.threads) {
            Batch.runCase(URL(fileURLWithPath: request.folder), plan: request.plan, landmarks: request.landmarks,
                          baseline: request.baseline, writesBaseline: request.writesBaseline)
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(report))
    }

    /// A case whose batch was killed (SIGKILL, a cluster's preemption) stops within a second
    /// instead of computing for nobody. The batch's pid comes in the environment: a case
    /// forked just before its batch died starts already adopted by another process, and
    /// taking that one for its batch it would have run to the end (BatchCLITests saw one
    /// outlive its batch by 4 s under load).
    static func endWithParent() {
        let parent = ProcessInfo.processInfo.environment["TRINOCULAR_BATCH_PID"].flatMap { pid_t($0) } ?? getppid()
        Thread.detachNewThread {
            while getppid() == parent { usleep(500_000) }
            _exit(1)
        }
    }

    /// Runs `request` in a child `trinocular batch-case` process and returns its report; a
    /// child that dies or says nothing becomes a failed case with the reason. nil when the
    /// child died while the batch was being stopped (Ctrl-C, SIGTERM): the case did not run and
    /// is not recorded, so a resume runs it.
    static func spawn(_ request: CaseRequest) -> CaseReport? {
        let started = Date()
        func failed(_ reason: String) -> CaseReport {
            CaseReport(error: reason, seconds: Date().timeIntervalSince(started), warnings: [], measurements: [])
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["batch-case"]
        // OpenBLAS starts a thread per core and lets them spin after each call: a one-thread
        // case must not (they would take the core of the case beside it).
        var environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_NUM_THREADS"] == nil { environment["OPENBLAS_NUM_THREADS"] = String(request.threads) }
        environment["TRINOCULAR_BATCH_PID"] = String(getpid())
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return failed("the case's process could not start: \(error)") }
        // Read both pipes while the case runs (a full pipe would stall it).
        final class Box: @unchecked Sendable { var out = Data(), err = Data() }
        let box = Box(), reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) { box.out = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: reading) { box.err = errors.fileHandleForReading.readDataToEndOfFile() }
        if let bytes = try? JSONEncoder().encode(request) { try? input.fileHandleForWriting.write(contentsOf: bytes) }
        try? input.fileHandleForWriting.close()
        reading.wait()
        process.waitUntilExit()
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            // Stopped with its batch (a signal to the process group): not run, not recorded.
            if batchInterrupted != 0 { return nil }
            let hint = status == SIGKILL ? " (killed: the out-of-memory killer, or a person)" : " (the case crashed)"
            return failed("the case's process ended on signal \(status)\(hint)" + lastLine(box.err))
        }
        if let report = try? JSONDecoder().decode(CaseReport.self, from: box.out) { return report }
        return failed("the case's process ended with status \(status) and no result" + lastLine(box.err))
    }

    /// This program's own executable (the case processes run the same build).
    static let executable: URL = {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    }()

    private static func lastLine(_ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return text.isEmpty ? "" : ": " + text.trimmingCharacters(in: .whitespaces)
    }
}
