import Foundation
import Studies
import TestSupport
import Testing

/// The results store: cases recorded whole, skipped when done, exported tidily, merged.
struct ResultsStoreTests {
    static func outcome(_ folder: String, subject: String, value: Double, error: String? = nil, inputs: String = "i") -> RunOutcome {
        RunOutcome(key: CaptureKey(folder: folder, subject: subject, session: "pre", inputsSHA256: inputs + folder),
                   parametersSHA256: "p", parameters: "{}", tool: "trinocular test", error: error, seconds: 1, warnings: ["w"],
                   measurements: error != nil ? [] : [StoredMeasurement(name: "volume", value: value, unit: "mm3", uncertainty: 5, method: "m", qc: ["mesh-open"]),
                                                      StoredMeasurement(name: "area", value: value / 10, unit: "mm2", uncertainty: nil, method: "a, \"quoted\"")])
    }

    @Test func casesAreRecordedSkippedExportedAndMerged() throws {
        let root = try TestPaths.temporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ResultsStore(url: root.appendingPathComponent("results.sqlite"))
        let values: [(String, String, Double)] = [("a1", "S1", 100), ("a2", "S1", 104), ("b1", "S2", 200), ("b2", "S2", 198), ("c1", "S3", 150), ("c2", "S3", 151)]
        for (folder, subject, value) in values { try store.record(Self.outcome(folder, subject: subject, value: value), study: "st") }
        try store.record(Self.outcome("d1", subject: "S4", value: 0, error: "cam1.jpg: is truncated"), study: "st")
        let done = CaptureKey(folder: "a1", subject: "S1", session: "pre", inputsSHA256: "ia1")
        #expect(try store.hasRun(done, parametersSHA256: "p"))
        #expect(try !store.hasRun(done, parametersSHA256: "other parameters"))
        #expect(try !store.hasRun(CaptureKey(folder: "a1", subject: "S1", session: "pre", inputsSHA256: "changed"), parametersSHA256: "p"))
        let failed = CaptureKey(folder: "d1", subject: "S4", session: "pre", inputsSHA256: "id1")
        #expect(try store.hasRun(failed, parametersSHA256: "p") && !store.hasRun(failed, parametersSHA256: "p", retryFailed: true))
        // Recording the same case again replaces it: no duplicated rows.
        try store.record(Self.outcome("a1", subject: "S1", value: 100), study: "st")
        let rows = try store.rows()
        #expect(rows.count == 6 * 2 + 1)
        #expect(rows.last?.status == "failed" && rows.last?.error == "cam1.jpg: is truncated" && rows.last?.value == nil)
        let csv = try store.csv()
        #expect(csv.split(separator: "\n").count == 14)
        #expect(csv.contains("st,S1,pre,a1,volume,100.0,mm3,5.0,m,mesh-open,done,\n"))
        #expect(csv.contains("\"a, \"\"quoted\"\"\""))
        // Reliability over the three subjects' two captures, as computed directly.
        let volume = try #require(try store.reliability().first { $0.measurement == "volume" })
        let direct = try #require(Reliability([[100, 104], [200, 198], [150, 151]]))
        #expect(volume.statistics == direct && volume.unit == "mm3" && volume.session == "pre")
        // Merging two shard stores gives the store of one run.
        let shardA = try ResultsStore(url: root.appendingPathComponent("a.sqlite")), shardB = try ResultsStore(url: root.appendingPathComponent("b.sqlite"))
        for (i, (folder, subject, value)) in values.enumerated() { try (i % 2 == 0 ? shardA : shardB).record(Self.outcome(folder, subject: subject, value: value), study: "st") }
        try shardB.record(Self.outcome("d1", subject: "S4", value: 0, error: "cam1.jpg: is truncated"), study: "st")
        let merged = try ResultsStore(url: root.appendingPathComponent("merged.sqlite"))
        #expect(try merged.merge(shardA) == 3 && merged.merge(shardB) == 4)
        #expect(try merged.rows() == store.rows())
    }

    /// Issue 19: a measurement the plan asks for that could not be made on one capture (a
    /// landmark over a hole) is a missing value with its reason and QC flag; the capture is
    /// done, its other measurements kept, and statistics treat the value as missing.
    @Test func aMeasurementThatCouldNotBeMadeIsMissingNotTheCase() throws {
        let root = try TestPaths.temporaryFolder("store-missing")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ResultsStore(url: root.appendingPathComponent("results.sqlite"))
        let reason = "measurement 'volume': landmark 'R3' is 4.2 mm off the mesh (at most 3 mm): is it in the mesh's frame and units (mm), or over a hole?"
        var partial = Self.outcome("a2", subject: "S1", value: 104)
        partial.measurements.removeAll { $0.name == "volume" }
        partial.missing = [MissingMeasurement(name: "volume", unit: "mm3", reason: reason)]
        for (folder, subject, value) in [("a1", "S1", 100.0), ("b1", "S2", 200), ("b2", "S2", 198), ("c1", "S3", 150), ("c2", "S3", 151)] {
            try store.record(Self.outcome(folder, subject: subject, value: value), study: "st")
        }
        try store.record(partial, study: "st")
        let rows = try store.rows().filter { $0.capture == "a2" }
        #expect(rows.map(\.measurement) == ["area", "volume"] && rows.allSatisfy { $0.status == "done" })
        #expect(rows[0].value == 10.4 && rows[1].value == nil && rows[1].qc == ResultsStore.notMeasured && rows[1].error == reason)
        #expect(try store.csv().contains("st,S1,pre,a2,volume,,mm3,,,not-measured,done,\"\(reason.replacingOccurrences(of: "\"", with: "\"\""))\"\n"))
        // S1 has one volume left: the volume's reliability is over S2 and S3 only; the area's over all three.
        let volume = try #require(try store.reliability().first { $0.measurement == "volume" })
        #expect(volume.statistics == Reliability([[200, 198], [150, 151]]))
        let area = try #require(try store.reliability().first { $0.measurement == "area" })
        #expect(area.statistics.subjects == 3)
        // A shard's missing values merge as missing values.
        let merged = try ResultsStore(url: root.appendingPathComponent("merged.sqlite"))
        try merged.merge(store)
        #expect(try merged.rows() == store.rows())
    }

    @Test func aStoreThatIsNotOneIsNamed() throws {
        let root = try TestPaths.temporaryFolder("store-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("results.sqlite")
        try Data("this is not a database, just text long enough to look like a header".utf8).write(to: url)
        let error = #expect(throws: StoreError.self) { try ResultsStore(url: url) }
        #expect(error?.file == url.path)
    }
}
