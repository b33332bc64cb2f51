import ArgumentParser
import Foundation
import Interchange
import Studies

/// `trinocular study export|stats|merge`: the results store of `batch`.
struct Study: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export, summarise or merge the results of `trinocular batch`; list the captures that fail their checks, and the visits that cannot be compared.",
        subcommands: [Export.self, Stats.self, Merge.self, Checks.self, Compare.self])

    static func open(_ folder: String) throws -> ResultsStore {
        let url = URL(fileURLWithPath: folder).appendingPathComponent("results.sqlite")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StoreError(file: url.path, problem: "does not exist; `trinocular batch STUDY --out \(folder)` makes it")
        }
        return try ResultsStore(url: url)
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the results as a tidy CSV table (one row per subject × session × capture × measurement).",
            discussion: """
                Columns: study, subject, session, capture, measurement, value, unit, \
                uncertainty, method, qc, status, error. A failed capture has one row with its \
                error and no measurement. A measurement the plan asks for that could not be \
                made on a capture (a landmark over a hole) has no value, qc not-measured and \
                its reason as the error; stats treat it as missing. Repeated captures of a subject and session are rows \
                of their own (capture column). Reads into R with read.csv, pandas with read_csv.
                """)
        @Argument(help: ArgumentHelp("The batch's output folder.", valueName: "OUT-FOLDER")) var folder: String
        @Flag(help: "CSV on stdout (the only format so far).") var csv = false
        @Option(help: ArgumentHelp("Write to FILE instead of stdout (0600).", valueName: "FILE")) var output: String?

        func run() throws {
            let text = try Study.open(folder).csv()
            if let output {
                try PrivateFile.write(Array(text.utf8), to: URL(fileURLWithPath: output))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Repeatability of every measurement: ICC(2,1), Bland–Altman, TEM, smallest detectable change.",
            discussion: """
                For each measurement and session where at least two subjects were captured \
                at least twice: ICC(2,1) (two-way random, absolute agreement, single \
                measurement; Shrout & Fleiss), Bland–Altman bias and 95 % limits of agreement \
                of the second capture against the first, the technical error of measurement \
                (the within-subject SD) and its relative value, and the smallest detectable \
                change 1.96·√2·TEM.
                """)
        @Argument(help: ArgumentHelp("The batch's output folder.", valueName: "OUT-FOLDER")) var folder: String
        @Flag(help: "Print one JSON document on stdout.") var json = false

        func run() throws {
            let rows = try Study.open(folder).reliability()
            if json {
                FileHandle.standardOutput.write(JSONValue.object([
                    ("format", "trinocular.reliability/1"),
                    ("measurements", .array(rows.map { r in
                        let s = r.statistics
                        return .object([("measurement", .string(r.measurement)), ("session", .string(r.session)), ("unit", .string(r.unit)),
                                        ("subjects", .int(s.subjects)), ("repeats", .int(s.repeats)), ("icc21", .number(s.icc21)),
                                        ("bias", .number(s.bias)), ("limitsOfAgreement", .numbers([s.lowerLimit, s.upperLimit])),
                                        ("tem", .number(s.tem)), ("relativeTemPercent", .number(s.relativeTEMPercent)),
                                        ("smallestDetectableChange", .number(s.smallestDetectableChange))])
                    })),
                ]).data())
                return
            }
            guard !rows.isEmpty else { print("no measurement has two subjects captured twice in a session"); return }
            for r in rows {
                let s = r.statistics
                print("\(r.measurement) [\(r.session)], \(s.subjects) subjects × \(s.repeats): ICC(2,1) \(fmt(s.icc21, 3)); bias \(fmt(s.bias, 3)) \(r.unit), limits \(fmt(s.lowerLimit, 3))…\(fmt(s.upperLimit, 3)); TEM \(fmt(s.tem, 3)) (\(fmt(s.relativeTEMPercent, 2)) %); SDC \(fmt(s.smallestDetectableChange, 3))")
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine shard stores (batch --shard I/N) into one.",
            discussion: "Every run of each SHARD's results.sqlite is added to OUT's (created if needed); a capture run twice with the same inputs and parameters keeps the last merged.")
        @Argument(help: ArgumentHelp("The merged output folder.", valueName: "OUT-FOLDER")) var folder: String
        @Argument(help: ArgumentHelp("The shards' output folders.", valueName: "SHARD")) var shards: [String]

        func run() throws {
            let outURL = URL(fileURLWithPath: folder)
            try PrivateFile.makeFolder(outURL)
            let target = try ResultsStore(url: outURL.appendingPathComponent("results.sqlite"))
            var total = 0
            for shard in shards { total += try target.merge(Study.open(shard)) }
            print("merged \(total) runs from \(shards.count) stores into \(target.url.path)")
        }
    }
}
