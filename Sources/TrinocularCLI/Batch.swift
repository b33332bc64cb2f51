import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Interchange
import LinearAlgebra
import Metrology
import Parallelism
import Pipeline
import Safekeeping
import Studies
import Surface

/// Set by SIGINT or SIGTERM (to the signal's number): no new case starts; running ones
/// finish and are recorded.
nonisolated(unsafe) var batchInterrupted: sig_atomic_t = 0

/// `trinocular batch STUDY --out OUT`: every capture reconstructed and measured, results in
/// OUT/results.sqlite.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruct and measure every capture of a study folder into a results store.",
        discussion: """
            STUDY's sub-folders that hold images are its captures (sorted by name). Each is \
            reconstructed (as `trinocular reconstruct`, without texture) and measured: the \
            mesh's area, its volume when closed, and with --plan the plan's measurements \
            between the landmarks of the capture's landmarks.json. Landmarks are needed once \
            per subject: a capture without its own takes those of its subject's baseline — \
            the subject's first capture (by folder name) with a landmarks.json — carried \
            over by registering the baseline's surface onto its own (the residual is stored \
            as "landmark transfer residual"); else --landmarks. Subject and session come \
            from capture.json (else the folder's name and "default").

            Results go to OUT/results.sqlite (studies, subjects, sessions, captures with their \
            inputs' SHA-256, runs with tool, parameters, timings, warnings or the error, and \
            measurements with unit, uncertainty, method and QC flags), one transaction per \
            case: a run killed at any moment keeps every finished case and nothing half. Run \
            it again to resume: a capture already run with the same inputs and parameters is \
            skipped (--retry-failed runs failed ones again). A failing case is recorded with \
            its reason and the others go on; each case runs in its own process, so one that \
            crashes or is killed for memory takes only itself down.

            --jobs N uses N cores (default: every core this process may use): N cases run at \
            once, one thread each, which gets more cases per hour than one case on N threads; \
            fewer at once if the images' size says N would not fit in memory (their threads \
            then share the cores). The cases' numbers do not depend on N. --shard I/N takes \
            every N-th subject from the I-th (1-based; all of a subject's captures), for a \
            cluster's job array; \
            `trinocular study merge` combines the stores. Progress \
            with counts and ETA goes to stderr; Ctrl-C (or SIGTERM) lets running cases finish \
            and stops (exit status 130, or 143); the same command resumes. \
            Tables: `trinocular study export OUT --csv`; repeatability: `trinocular study stats OUT`.
            """)

    @Argument(help: ArgumentHelp("A folder whose sub-folders are capture folders.", valueName: "STUDY-FOLDER")) var study: String
    @Option(help: ArgumentHelp("Output folder (holds results.sqlite).", valueName: "OUT-FOLDER")) var out: String
    @Option(help: ArgumentHelp("Cores to use (default: all of this machine's, or of the job's allocation).", valueName: "N")) var jobs: Int?
    @Option(help: ArgumentHelp("Process only shard I of N (e.g. 2/4).", valueName: "I/N")) var shard: String?
    @Option(help: ArgumentHelp("A measurement plan (trinocular.plan/1) applied to every capture.", valueName: "PLAN.json")) var plan: String?
    @Option(help: ArgumentHelp("Landmarks for captures without their own landmarks.json.", valueName: "FILE")) var landmarks: String?
    @Flag(name: .customLong("retry-failed"), help: "Run captures that failed before again.") var retryFailed = false

    func validate() throws {
        if let jobs, !(1...1024).contains(jobs) { throw ValidationError("--jobs must be 1…1024") }
        if let shard, Self.parseShard(shard) == nil { throw ValidationError("--shard must be I/N with 1 ≤ I ≤ N, e.g. 2/4") }
    }

    static func parseShard(_ s: String) -> (index: Int, count: Int)? {
        let p = s.split(separator: "/").compactMap { Int($0) }
        guard p.count == 2, p[1] >= 1, (1...p[1]).contains(p[0]) else { return nil }
        return (p[0], p[1])
    }

    func run() throws {
        let studyURL = URL(fileURLWithPath: study).standardizedFileURL
        let usage = "batch takes a study folder: a folder of capture folders"
        var captures = try StudyFolder.captures(in: studyURL, usage: usage).compactMap { c in c.name.map { ($0, c.url) } }
        guard !captures.isEmpty else { throw CaptureError(file: studyURL.path, problem: "is a capture folder, not a study; \(usage)") }
        var subjects = try captures.map { try Self.subject($0.0, $0.1) }
        if let (index, count) = shard.flatMap(Self.parseShard) {
            // By subject, so that a subject's captures (and its baseline) share a shard.
            let order = Array(Set(subjects)).sorted()
            let mine = Set(order.enumerated().filter { $0.offset % count == index - 1 }.map(\.element))
            let kept = subjects.indices.filter { mine.contains(subjects[$0]) }
            captures = kept.map { captures[$0] }; subjects = kept.map { subjects[$0] }
        }
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        try PrivateFile.makeFolder(outURL)
        let store = try ResultsStore(url: outURL.appendingPathComponent("results.sqlite"))
        let planBytes = try plan.map { try Self.read($0, what: "plan") }
        let sharedLandmarks = try landmarks.map { try Self.read($0, what: "landmarks") }
        let baselines = planBytes == nil ? SubjectBaselines()
            : try SubjectBaselines(zip(captures, subjects).map { (name: $0.0.0, url: $0.0.1, subject: $0.1) }, out: outURL)
        let parameters = JSONValue.object([
            ("tool", .string("trinocular \(TrinocularVersion.string)")),
            ("reconstruction", "defaults: neighbour pairs, meshing 0.75 mm adaptive, no texture"),
            ("checks", "trinocular.check/1 against the region's built-in protocol"),
            ("planSHA256", .optional(planBytes.map { Digest.hex(of: $0) })),
            ("landmarksSHA256", .optional(sharedLandmarks.map { Digest.hex(of: $0) })),
        ]).text(pretty: false)
        let parametersSHA256 = Digest.hex(of: Array(parameters.utf8))

        let todo = try Self.toDo(captures, store: store, parametersSHA256: parametersSHA256, retryFailed: retryFailed, baselines: baselines)
        let skipped = captures.count - todo.count
        // Cases side by side, one thread each: independent cases use the cores better than one
        // case's loops do. Fewer cases than cores share the spare ones.
        let cores = jobs ?? Parallel.availableCores
        let concurrent = Self.jobsThatFit(min(cores, max(1, todo.count)), sample: todo.first?.1)
        let width = max(1, cores / concurrent)
        progress("batch: \(captures.count) captures, \(skipped) done before, \(todo.count) to run, \(concurrent) at a time"
                 + (width > 1 ? " on \(width) threads each" : ""))
        Self.catchStopSignals()

        let progressBar = BatchProgress(total: captures.count, before: skipped, toRun: todo.count)
        var notStarted = 0
        let semaphore = DispatchSemaphore(value: concurrent)
        let group = DispatchGroup()
        let work = DispatchQueue(label: "batch", attributes: .concurrent)
        let firstFollower = todo.firstIndex { baselines.writes[$0.0] == nil } ?? todo.count
        for (k, (name, url, key)) in todo.enumerated() {
            if k == firstFollower { group.wait() }  // the baselines' files are written
            semaphore.wait()
            if batchInterrupted != 0 { semaphore.signal(); notStarted += 1; continue }
            group.enter()
            work.async {
                defer { semaphore.signal(); group.leave() }
                let request = CaseRequest(folder: url.path, plan: planBytes, landmarks: sharedLandmarks, threads: width,
                                          baseline: baselines.writes[name] ?? baselines.reads[name], writesBaseline: baselines.writes[name] != nil)
                guard let report = BatchCase.spawn(request) else {
                    progressBar.stopped(name)
                    return
                }
                let outcome = RunOutcome(key: key, parametersSHA256: parametersSHA256, parameters: parameters,
                                         tool: "trinocular \(TrinocularVersion.string)", error: report.error, seconds: report.seconds,
                                         warnings: report.warnings, measurements: report.measurements, missing: report.missingMeasurements,
                                         checks: report.checks)
                var recordError: String?
                do {
                    try store.record(outcome, study: studyURL.lastPathComponent)
                    try AuditTrail.record("batch", subject: key.subject, inputs: [url], outputs: [store.url])
                } catch {
                    recordError = "not recorded: \(error)"
                }
                progressBar.ended(name, seconds: outcome.seconds, error: outcome.error ?? recordError)
            }
        }
        group.wait()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        progressBar.finish()
        let seconds = progressBar.elapsed
        progress(String(format: "batch: %d run in %@ (%.0f cases/hour), %d failed, %d skipped as done before",
                        progressBar.done, BatchProgress.duration(seconds), seconds > 0 ? Double(progressBar.done) / seconds * 3600 : 0,
                        progressBar.failed, skipped))
        if batchInterrupted != 0 && notStarted + progressBar.stoppedCount > 0 {
            progress("stopped: \(notStarted + progressBar.stoppedCount) captures not run; run the same command again to resume")
            throw ExitCode(128 + batchInterrupted)
        }
        print("results: \(store.url.path)")
    }

    /// Ctrl-C (SIGINT) and SIGTERM (`kill`, a cluster's preemption) set `batchInterrupted`.
    /// Both are unblocked first: a parent may have started this process with them blocked.
    /// SIGPIPE is ignored: a case that dies early must not take the batch with it.
    static func catchStopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { batchInterrupted = $0 }
        signal(SIGTERM) { batchInterrupted = $0 }
        // A case process that dies before reading its request closes the pipe the batch
        // writes it to: the write must fail (and the case be recorded as it ended), not
        // SIGPIPE the whole batch — a case SIGKILLed at its start killed the batch silently.
        signal(SIGPIPE, SIG_IGN)
    }

    static func read(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw PlanError(file: path, problem: "the \(what) file cannot be read") }
        return Array(data)
    }

    /// What is left to do: captures without a run for the same inputs and parameters — the
    /// subjects' baselines first (a baseline run before whose files are gone runs again),
    /// then the others.
    static func toDo(_ captures: [(String, URL)], store: ResultsStore, parametersSHA256: String, retryFailed: Bool,
                     baselines: SubjectBaselines) throws -> [(String, URL, CaptureKey)] {
        var todo: [(String, URL, CaptureKey)] = []
        for (name, url) in captures {
            let key = baselines.inputs(try key(name, url))
            let lost = baselines.writes[name].map { !$0.exist } ?? false
            if try lost || !store.hasRun(key, parametersSHA256: parametersSHA256, retryFailed: retryFailed) { todo.append((name, url, key)) }
        }
        return todo.filter { baselines.writes[$0.0] != nil } + todo.filter { baselines.writes[$0.0] == nil }
    }

    /// The capture's subject pseudonym: capture.json's, else the folder's name.
    static func subject(_ name: String, _ url: URL) throws -> String {
        let manifestURL = url.appendingPathComponent("capture.json")
        let manifest = FileManager.default.fileExists(atPath: manifestURL.path) ? try CaptureManifest(contentsOf: manifestURL) : nil
        return manifest?.subject ?? name
    }

    /// Subject, session and the inputs' digest of a capture folder.
    static func key(_ name: String, _ url: URL) throws -> CaptureKey {
        let manifestURL = url.appendingPathComponent("capture.json")
        let manifest = FileManager.default.fileExists(atPath: manifestURL.path) ? try CaptureManifest(contentsOf: manifestURL) : nil
        return CaptureKey(folder: name, subject: manifest?.subject ?? name, session: manifest?.session ?? "default",
                          inputsSHA256: try Digest.hex(of: url))
    }

    /// At most `requested`, and no more than 75 % of the memory allows for captures of this
    /// size (about 250 bytes per pixel of all cameras at the peak of matching and meshing).
    static func jobsThatFit(_ requested: Int, sample: URL?) -> Int {
        guard requested > 1, let sample, let capture = try? Capture(folder: sample, rigURL: nil) else { return requested }
        let pixels = capture.views.reduce(0) { $0 + $1.info.width * $1.info.height }
        let perCase = Double(pixels) * 250
        let fit = Int(0.75 * Double(ProcessInfo.processInfo.physicalMemory) / perCase)
        if fit < requested { progress("batch: \(requested) cases at once would not fit in memory for \(pixels / 1_000_000) MP captures; running \(max(1, fit))") }
        return max(1, min(requested, fit))
    }

    /// Reconstructs and measures one capture; every error becomes the case's recorded failure.
    /// Runs in the case's own process (`batch-case`).
    static func runCase(_ url: URL, plan: [UInt8]?, landmarks: [UInt8]?, baseline: SubjectBaselines.Files? = nil, writesBaseline: Bool = false) -> CaseReport {
        let started = Date()
        var warnings: [String] = [], measurements: [StoredMeasurement] = [], missing: [MissingMeasurement] = [], checks: [StoredCheck] = []
        do {
            let capture = try Capture(folder: url, rigURL: nil)
            let images = try capture.readImages()
            (checks, warnings) = standardsChecks(url, images: images)
            var options = ReconstructionOptions()
            options.texture = false
            let result = try Reconstructor.run(capture, images: images, options: options) { _ in }
            warnings += capture.warnings + result.warnings
            guard let mesh = result.mesh else { throw OutputError(file: url.path, problem: "no mesh was made", fault: .workFailed) }
            let topology = mesh.topology
            let qc = topology.isClosed ? [] : ["mesh-open"]
            measurements.append(StoredMeasurement(name: "surface area", value: mesh.area, unit: "mm2", uncertainty: nil,
                                                  method: "sum of the mesh's triangle areas", qc: qc))
            if let volume = try? mesh.volume() {
                measurements.append(StoredMeasurement(name: "enclosed volume", value: volume, unit: "mm3", uncertainty: nil,
                                                      method: "divergence theorem over the closed mesh"))
            }
            if let plan {
                let items = try MeasurementPlan(json: Data(plan), file: "plan")
                // A landmark this mesh cannot take, or a measurement it cannot make, leaves that
                // measurement missing (with its reason), not the capture failed; so does a
                // baseline whose landmarks cannot be carried onto this capture.
                let placed: Landmarks
                do {
                    let (landmarks, transfer) = try caseLandmarks(url, mesh: mesh, capture: capture, shared: landmarks, baseline: baseline, writesBaseline: writesBaseline)
                    placed = landmarks
                    if let transfer, let baseline { measurements.append(transferRecord(transfer, baseline: baseline.folder)) }
                } catch let e as RegistrationError {
                    missing += items.items.map { MissingMeasurement(name: $0.name, unit: $0.kind.unit, reason: "landmarks not carried from the baseline \(baseline?.folder ?? ""): \(e.problem)") }
                    return CaseReport(error: nil, seconds: Date().timeIntervalSince(started), warnings: warnings, measurements: measurements, missing: missing, checks: checks)
                }
                for (name, unit, result) in items.measureEach(mesh, landmarks: placed, file: "plan", errors: ErrorModel(), unseen: unseenPatches(result)) {
                    switch result {
                    case let .success(v):
                        measurements.append(StoredMeasurement(name: v.name, value: v.value, unit: v.unit, uncertainty: v.uncertainty,
                                                              method: v.method, qc: qc))
                    case let .failure(problem):
                        missing.append(MissingMeasurement(name: name, unit: unit, reason: problem.problem))
                    }
                }
            }
            return CaseReport(error: nil, seconds: Date().timeIntervalSince(started), warnings: warnings, measurements: measurements, missing: missing, checks: checks)
        } catch {
            return CaseReport(error: "\(error)", seconds: Date().timeIntervalSince(started), warnings: warnings, measurements: [], checks: checks)
        }
    }

    /// The capture against its region's protocol (`trinocular check`); a capture whose
    /// region has none gets a warning instead, and the case goes on.
    static func standardsChecks(_ url: URL, images: [Image<UInt8>]) -> (checks: [StoredCheck], warnings: [String]) {
        do {
            let report = try InspectedVisit(folder: url, rig: nil, protocolName: nil, images: images).report
            return (report.checks.map { StoredCheck(id: $0.id, camera: $0.camera, status: $0.status.rawValue, value: $0.value, threshold: $0.threshold, message: $0.message) }, [])
        } catch {
            return ([], ["capture standards not checked: \(error)"])
        }
    }

    /// The patches the reconstruction filled where no camera saw the surface.
    static func unseenPatches(_ result: ReconstructionResult) -> [UnseenPatch] {
        result.meshing?.holes.filled.map { UnseenPatch(area: $0.area, centre: $0.centre) } ?? []
    }

    /// The landmark transfer as a stored measurement: its registration's residual.
    static func transferRecord(_ t: LandmarkTransfer.Result, baseline: String) -> StoredMeasurement {
        let r = t.registration, angle = r.transform.rotation.angle * 180 / .pi
        return StoredMeasurement(name: "landmark transfer residual", value: r.rms, unit: "mm", uncertainty: nil,
                                 method: String(format: "landmarks carried from the subject's baseline capture %@: its surface registered onto this mesh (point-to-plane ICP, robust weights; %.1f %% of its samples inliers; turned %.2f°, moved %.1f mm); the RMS residual of the inliers",
                                                baseline, 100 * r.inlierFraction, angle, length(r.transform.translation)),
                                 qc: r.inlierFraction < 0.5 ? ["transfer-overlap-low"] : [])
    }
}
