import ArgumentParser
import Foundation
import Interchange
import Pipeline
import Standards
import Studies

/// `trinocular study checks OUT` and `trinocular study compare STUDY`: the capture standards
/// of a study — which captures failed their checks, which visits cannot be compared.
extension Study {
    struct Checks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the captures of a batch whose capture-standard checks warn or fail.",
            discussion: """
                `batch` checks every capture against its region's protocol (as `trinocular \
                check`) and keeps the results beside the measurements; this lists the checks \
                that did not pass, by subject, session and capture: a researcher's list of \
                captures to look at before trusting their numbers.
                """)
        @Argument(help: ArgumentHelp("The batch's output folder.", valueName: "OUT-FOLDER")) var folder: String
        @Flag(help: "Print one JSON document (trinocular.study-checks/1) on stdout.") var json = false

        func run() throws {
            let flagged = try Study.open(folder).flaggedChecks()
            if json {
                FileHandle.standardOutput.write(JSONValue.object([
                    ("format", "trinocular.study-checks/1"),
                    ("checks", .array(flagged.map { f in
                        .object([("subject", .string(f.subject)), ("session", .string(f.session)), ("capture", .string(f.capture)),
                                 ("id", .string(f.check.id)), ("camera", .optional(f.check.camera)), ("status", .string(f.check.status)),
                                 ("value", f.check.value.map(JSONValue.number) ?? .null), ("message", .string(f.check.message))])
                    })),
                ]).data())
                return
            }
            guard !flagged.isEmpty else { print("every checked capture passes its protocol"); return }
            for f in flagged {
                print("\(f.subject) [\(f.session)] \(f.capture): \(f.check.status) \(f.check.id)\(f.check.camera.map { " " + $0 } ?? "") — \(f.check.message)")
            }
            let captures = Set(flagged.map(\.capture)).count
            print("\(flagged.count) checks warn or fail in \(captures) captures")
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "List each subject's visits that cannot be compared with its first (baseline) capture.",
            discussion: """
                STUDY is the study folder `batch` reads. Each subject's captures (subject and \
                session from capture.json, else the folder's name) are ordered by session and \
                folder; every later capture is compared with the first as `trinocular check \
                --compare` does: rig, lens, resolution, exposure, colour, backdrop, subject \
                distance and pose. The pairs that are not comparable are listed with their \
                reasons. About 1.5 s per 3 × 5 MP capture and 0.3 s per pair on 2 cores; one \
                subject's captures are held at a time.
                """)
        @Argument(help: ArgumentHelp("A folder whose sub-folders are capture folders.", valueName: "STUDY-FOLDER")) var study: String
        @Option(name: .customLong("protocol"), help: ArgumentHelp("A protocol for every capture (default: each capture.json's region).", valueName: "NAME|FILE"))
        var protocolName: String?
        @Flag(help: "Print one JSON document (trinocular.study-compare/1) on stdout.") var json = false

        func run() throws {
            let root = URL(fileURLWithPath: study).standardizedFileURL
            let captures = try StudyFolder.captures(in: root, usage: "study compare takes a study folder: a folder of capture folders")
                .compactMap { c in c.name.map { ($0, c.url) } }
            var bySubject: [String: [(name: String, url: URL, session: String)]] = [:]
            for (name, url) in captures {
                let key = try Batch.key(name, url)
                bySubject[key.subject, default: []].append((name, url, key.session))
            }
            var pairs: [JSONValue] = [], lines: [String] = [], total = 0, notComparable = 0
            for subject in bySubject.keys.sorted() {
                let visits = bySubject[subject]!.sorted { ($0.session, $0.name) < ($1.session, $1.name) }
                guard visits.count >= 2 else { continue }
                progress("study compare: subject \(subject), \(visits.count) captures")
                let baseline = try InspectedVisit(folder: visits[0].url, rig: nil, protocolName: protocolName)
                for later in visits.dropFirst() {
                    let other = try InspectedVisit(folder: later.url, rig: nil, protocolName: protocolName)
                    let report = InspectedVisit.compare(baseline, other)
                    total += 1
                    if report.verdict == .notComparable {
                        notComparable += 1
                        lines.append("\(subject): \(visits[0].name) → \(later.name): " + report.reasons.map { "\($0.id) (\($0.message))" }.joined(separator: "; "))
                    }
                    pairs.append(.object([("subject", .string(subject)), ("before", .string(visits[0].name)), ("after", .string(later.name)),
                                          ("verdict", .string(report.verdict.rawValue)),
                                          ("reasons", .array(report.reasons.map { .object([("id", .string($0.id)), ("message", .string($0.message))]) }))]))
                }
            }
            try AuditTrail.record("study compare", subject: nil, inputs: captures.map(\.1), outputs: [])
            if json {
                FileHandle.standardOutput.write(JSONValue.object([("format", "trinocular.study-compare/1"), ("pairs", .array(pairs))]).data())
                return
            }
            lines.forEach { print($0) }
            print("\(total) pairs compared with their subject's first capture, \(notComparable) not comparable")
        }
    }
}
