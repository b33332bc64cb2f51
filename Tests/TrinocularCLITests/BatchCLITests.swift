import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `trinocular batch` over a small synthetic study: 5 subjects × 2 sessions × 2 repeats (20
/// captures, 490 × 410; a subject is a scene seed, a post session 10 % more noise, repeats
/// differ by their sensor noise) and a capture with a truncated image; runs the release binary.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["TRINOCULAR_ACCURACY"] != nil,
                             "runs the release binary: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct BatchCLITests {
    static let study: URL = {
        let root = try! TestPaths.temporaryFolder("batch-study")
        let study = root.appendingPathComponent("study")
        for subject in 1...5 {
            for session in ["pre", "post"] {
                for repeatIndex in 1...2 {
                    let folder = study.appendingPathComponent("S0\(subject)-\(session)-r\(repeatIndex)")
                    let noise = Double(1 + repeatIndex) * (session == "post" ? 1.1 : 1)
                    let run = try! Run(["synth", "capture", "--scene", "mounds", "--out", folder.path, "--scale", "0.2",
                                        "--seed", "\(subject)", "--noise", "\(noise)", "--jpeg", "92"])
                    precondition(run.status == 0, run.stderr)
                    try! Data(#"{"format": "trinocular.capture/1", "subject": "S0\#(subject)", "session": "\#(session)"}"#.utf8)
                        .write(to: folder.appendingPathComponent("capture.json"))
                }
            }
        }
        let broken = study.appendingPathComponent("S09-r1")
        _ = try! Run(["synth", "capture", "--scene", "mounds", "--out", broken.path, "--scale", "0.2", "--jpeg", "92"])
        let image = broken.appendingPathComponent("cam1.jpg")
        let bytes = try! Data(contentsOf: image)
        try! bytes.prefix(bytes.count / 3).write(to: image)
        for name in try! FileManager.default.contentsOfDirectory(atPath: study.path) where name.hasSuffix(".json") {
            try? FileManager.default.removeItem(at: study.appendingPathComponent(name))   // truth files beside the captures
        }
        return study
    }()

    /// The CSV without run-dependent text (nothing in it is: times are not exported).
    static func export(_ out: URL) throws -> String {
        let run = try Run(["study", "export", out.path, "--csv"])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    @Test func aStudyRunsFailsOneCaseAndResumes() throws {
        let root = try TestPaths.temporaryFolder("batch")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let run = try Run(["batch", Self.study.path, "--out", out.path, "--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("[21/21]") && run.stderr.contains("ETA") && run.stderr.contains("1 failed"), "\(run.stderr)")
        let csv = try Self.export(out)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 20 + 1, "\(csv)")   // header, one area per capture, the failure
        #expect(lines.contains { $0.hasPrefix("study,SYNTH,synthetic-mounds,S09-r1,,,") && $0.contains("cam1.jpg") && $0.contains("failed") })
        #expect(lines.filter { $0.contains(",surface area,") && $0.contains(",done,") }.count == 20)
        for subject in 1...5 { for session in ["pre", "post"] { #expect(lines.filter { $0.hasPrefix("study,S0\(subject),\(session),") }.count == 2) } }
        // Run again: nothing to do, the same table.
        let again = try Run(["batch", Self.study.path, "--out", out.path])
        #expect(again.status == 0 && again.stderr.contains("21 done before, 0 to run"), "\(again.stderr)")
        #expect(try Self.export(out) == csv)
        // Repeatability over the three subjects' two captures.
        let stats = try Run(["study", "stats", out.path])
        #expect(stats.status == 0 && stats.stdout.contains("surface area [pre], 5 subjects × 2: ICC(2,1)")
                && stats.stdout.contains("surface area [post], 5 subjects × 2"), "\(stats.stdout)")

        // Killed mid-way (SIGKILL), then run again: the same table as the uninterrupted run.
        let killed = root.appendingPathComponent("killed")
        let (process, errors) = try Self.start(["batch", Self.study.path, "--out", killed.path])
        // Kill after the fourth case is reported done.
        var seen = Data(), orphans: [pid_t] = []
        while process.isRunning {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
            if String(decoding: seen, as: UTF8.self).contains("[4/21]") {
                orphans = Self.children(of: process.processIdentifier)
                kill(process.processIdentifier, SIGKILL)
                break
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the batch finished before it could be killed")
        // Its running case stops too: it notices its batch is gone within half a second and
        // exits. Polled for up to 4 s: under the full suite's load (2 cores shared with 5 MP
        // reconstructions) a fixed 2 s was once too short; a case that went on with its work
        // instead (5–6 s per case under that load) would mostly still be caught.
        #expect(!orphans.isEmpty, "a case was running when the batch was killed")
        let deadline = Date().addingTimeInterval(4)
        while orphans.contains(where: Self.isAlive), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(orphans.allSatisfy { !Self.isAlive($0) }, "case processes outlived their batch")
        let partial = try Self.export(killed).split(separator: "\n").count
        #expect(partial >= 5 && partial < 22, "\(partial) lines after the kill")
        let resumed = try Run(["batch", Self.study.path, "--out", killed.path])
        #expect(resumed.status == 0 && resumed.stderr.contains("done before"), "\(resumed.stderr)")
        #expect(try Self.export(killed) == csv)

        // Two shards merged: the same table.
        for i in 1...2 {
            let shard = try Run(["batch", Self.study.path, "--out", root.appendingPathComponent("shard\(i)").path, "--shard", "\(i)/2"])
            #expect(shard.status == 0, "\(shard.stderr)")
        }
        let merge = try Run(["study", "merge", root.appendingPathComponent("merged").path,
                             root.appendingPathComponent("shard1").path, root.appendingPathComponent("shard2").path])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try Self.export(root.appendingPathComponent("merged")) == csv)
    }

    /// Issue 19: a plan measurement that cannot be made on a capture (here a landmark picked
    /// in an image corner, where the ray misses the subject) is stored missing with its
    /// reason; the capture is done and keeps its other measurements.
    @Test func aMeasurementThatCannotBeMadeIsMissingNotAFailedCase() throws {
        let root = try TestPaths.temporaryFolder("batch-missing")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = root.appendingPathComponent("plan.json"), landmarks = root.appendingPathComponent("landmarks.json")
        try Data(#"""
            {"format": "trinocular.plan/1", "measurements": [
              {"name": "a-b", "type": "distance", "from": "a", "to": "b"},
              {"name": "a-corner", "type": "distance", "from": "a", "to": "corner"}]}
            """#.utf8).write(to: plan)
        try Data(#"""
            {"format": "trinocular.landmarks/1", "landmarks": [
              {"name": "a", "camera": "cam1", "pixel": [245, 205]}, {"name": "b", "camera": "cam1", "pixel": [275, 215]},
              {"name": "corner", "camera": "cam1", "pixel": [1, 1]}]}
            """#.utf8).write(to: landmarks)
        let out = root.appendingPathComponent("out")
        let run = try Run(["batch", Self.study.path, "--out", out.path, "--plan", plan.path, "--landmarks", landmarks.path, "--shard", "1/7"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try Self.export(out).split(separator: "\n").map(String.init)
        let done = lines.filter { $0.contains(",surface area,") && $0.contains(",done,") }.count
        #expect(done >= 2, "\(lines)")
        #expect(lines.filter { $0.contains(",a-b,") && $0.contains(",done,") && !$0.contains(",a-b,,") }.count == done, "\(lines)")
        let missing = lines.filter { $0.contains(",a-corner,,mm,,,not-measured,done,") && $0.contains("misses the mesh") }
        #expect(missing.count == done, "\(lines)")
        #expect(!lines.contains { $0.contains(",failed,") && !$0.contains("S09-r1") }, "\(lines)")
    }

    /// A case's process killed (as the out-of-memory killer would) takes only that case: it
    /// is recorded failed with the signal, the others are done, and --retry-failed gives it
    /// the numbers an undisturbed run gives.
    @Test func aKilledCaseIsRecordedAndTheOthersGoOn() throws {
        let root = try TestPaths.temporaryFolder("batch-crash")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out"), calm = root.appendingPathComponent("calm")
        let shard = ["--shard", "1/7"]   // subject S01: 4 of the 21 captures
        let (process, errors) = try Self.start(["batch", Self.study.path, "--out", out.path, "--jobs", "1"] + shard)
        final class Box: @unchecked Sendable { var stderr = Data() }
        let box = Box(), reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) { box.stderr = errors.fileHandleForReading.readDataToEndOfFile() }
        // Kill the first case's process as soon as it runs the case (a child seen between
        // fork and exec is still the batch's own image). Killed before it read its request,
        // the batch's write to its stdin raised SIGPIPE and the batch itself died silently:
        // 2 of 3 loaded full-suite runs, until the batch ignored SIGPIPE.
        var victim: pid_t?
        let deadline = Date().addingTimeInterval(30)
        while victim == nil && process.isRunning && Date() < deadline {
            victim = Self.children(of: process.processIdentifier).first { Self.commandLine(of: $0).contains("batch-case") }
            if victim == nil { usleep(5_000) }
        }
        if let victim { kill(victim, SIGKILL) }
        reading.wait()
        process.waitUntilExit()
        let stderr = String(decoding: box.stderr, as: UTF8.self)
        #expect(victim != nil, "no case process was seen")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("[4/4]") && stderr.contains("1 failed") && stderr.contains("signal 9"), "\(stderr)")
        let lines = try Self.export(out).split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(",failed,") && $0.contains("signal 9") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.contains(",surface area,") && $0.contains(",done,") }.count == 3, "\(lines)")

        let retry = try Run(["batch", Self.study.path, "--out", out.path, "--retry-failed"] + shard)
        #expect(retry.status == 0 && retry.stderr.contains("3 done before, 1 to run"), "\(retry.stderr)")
        let undisturbed = try Run(["batch", Self.study.path, "--out", calm.path] + shard)
        #expect(undisturbed.status == 0, "\(undisturbed.stderr)")
        #expect(try Self.export(out) == (try Self.export(calm)))
    }

    /// Ctrl-C (SIGINT to the batch): the running case finishes and is recorded, nothing new
    /// starts, exit status 130 with how to resume; resuming gives the uninterrupted table.
    @Test func ctrlCFinishesTheRunningCaseAndResumes() throws {
        let root = try TestPaths.temporaryFolder("batch-interrupt")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out"), calm = root.appendingPathComponent("calm")
        let shard = ["--shard", "2/7"]   // subject S02: 4 of the 21 captures
        let (process, errors) = try Self.start(["batch", Self.study.path, "--out", out.path, "--jobs", "1"] + shard)
        var seen = Data(), interrupted = false
        while true {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
            if !interrupted && String(decoding: seen, as: UTF8.self).contains("[1/4]") { kill(process.processIdentifier, SIGINT); interrupted = true }
        }
        process.waitUntilExit()
        let stderr = String(decoding: seen, as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("not run; run the same command again to resume"), "\(stderr)")
        let rows = try Self.export(out).split(separator: "\n").count - 1
        #expect(rows == 1 || rows == 2, "\(rows) cases recorded")   // the first, and the second if it had started
        let resumed = try Run(["batch", Self.study.path, "--out", out.path] + shard)
        #expect(resumed.status == 0 && resumed.stderr.contains("\(rows) done before, \(4 - rows) to run"), "\(resumed.stderr)")
        let undisturbed = try Run(["batch", Self.study.path, "--out", calm.path] + shard)
        #expect(undisturbed.status == 0, "\(undisturbed.stderr)")
        #expect(try Self.export(out) == (try Self.export(calm)))
    }

    /// The release binary started with `arguments`, its stderr on a pipe (for tests that act
    /// while it runs).
    static func start(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = Run.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TRINOCULAR_AUDIT_LOG": Run.auditLog.path]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errors)
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { pid_t($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[1]) == pid
        }
    }

    /// The process's arguments joined by spaces ("" once it has gone).
    static func commandLine(of pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// True while `pid` runs (a zombie waiting to be reaped has ended).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}
