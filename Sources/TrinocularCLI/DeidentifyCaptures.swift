import ArgumentParser
import Foundation
import Imaging
import Interchange
import Pipeline
import Safekeeping

/// The mapping from real subjects and folder names to pseudonyms (`--pseudonyms MAP.json`,
/// format `trinocular.pseudonyms/1`), kept apart from the de-identified copy.
struct PseudonymMap {
    var subjects: [(String, String)] = []
    var folders: [(String, String)] = []

    init() {}

    init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let json: JSONValue
        do { json = try JSONValue.parse(Data(contentsOf: url)) } catch {
            throw SafekeepingRefusal(file: url.path, problem: "is not a readable pseudonym map (\(error))")
        }
        guard json["format"]?.string == "trinocular.pseudonyms/1" else {
            throw SafekeepingRefusal(file: url.path, problem: "is not a pseudonym map (format \"trinocular.pseudonyms/1\")")
        }
        subjects = (json["subjects"]?.pairs ?? []).compactMap { k, v in v.string.map { (k, $0) } }
        folders = (json["folders"]?.pairs ?? []).compactMap { k, v in v.string.map { (k, $0) } }
    }

    /// The pseudonym of `name` in `table`, made (prefix + next number) if new.
    static func pseudonym(_ name: String, in table: inout [(String, String)], prefix: String) -> String {
        if let found = table.first(where: { $0.0 == name }) { return found.1 }
        let next = (table.compactMap { Int($0.1.dropFirst(prefix.count)) }.max() ?? 0) + 1
        let made = prefix + String(format: "%04d", next)
        table.append((name, made))
        return made
    }

    var json: JSONValue {
        .object([
            ("format", "trinocular.pseudonyms/1"),
            ("note", "Links pseudonyms to real identities: protected health information. Keep it apart from the de-identified data (seal it)."),
            ("subjects", .object(subjects.map { ($0.0, .string($0.1)) })),
            ("folders", .object(folders.map { ($0.0, .string($0.1)) })),
        ])
    }
}

extension Deidentify {
    /// The de-identified files of every capture under `root` (paths relative to OUT), the
    /// report, and the audit's subject (the pseudonym, for a single capture).
    func copyCaptures(_ root: URL, out: URL, screen: IdentifierScreen) throws -> ([(String, [UInt8])], JSONValue, String?) {
        let mapURL = pseudonyms.map { URL(fileURLWithPath: $0).standardizedFileURL }
        if let mapURL, mapURL.path.hasPrefix(out.path + "/") || mapURL.path.hasPrefix(root.path + "/") {
            throw SafekeepingRefusal(file: mapURL.path, problem: "the pseudonym map must be kept apart from the data: put it outside IN and OUT")
        }
        var map = try mapURL.map(PseudonymMap.init(contentsOf:)) ?? PseudonymMap()
        var files: [(String, [UInt8])] = []
        var reports: [JSONValue] = []
        var auditSubject: String?
        for (name, folder) in try StudyFolder.captures(in: root, usage: "deidentify takes a capture folder, a study folder or a mesh (.ply, .obj)") {
            var outName = name
            if let name {
                if mapURL != nil {
                    outName = PseudonymMap.pseudonym(name, in: &map.folders, prefix: "C")
                } else {
                    try privacy.check(name, "the folder name", file: folder.path, screen: screen, advice: "use --pseudonyms MAP.json")
                }
            }
            let prefix = outName.map { $0 + "/" } ?? ""
            let manifestURL = folder.appendingPathComponent("capture.json")
            var manifest: CaptureManifest?
            var removed: [String] = []
            var skipped: [String] = []
            var rigCopied = false
            if FileManager.default.fileExists(atPath: manifestURL.path) {
                var m = try CaptureManifest(contentsOf: manifestURL)
                try privacy.checkConsent(m.consent, region: m.region, deidentified: true, file: manifestURL.path)
                if let subject = m.subject {
                    if mapURL != nil {
                        m.subject = PseudonymMap.pseudonym(subject, in: &map.subjects, prefix: "S")
                    } else {
                        try privacy.check(subject, "subject", file: manifestURL.path, screen: screen, advice: "use a pseudonym (--pseudonyms MAP.json)")
                    }
                }
                // A rig named outside the folder comes along as the folder's rig.json.
                if let rig = m.rig, !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rig.json").path) {
                    let rigURL = folder.appendingPathComponent(rig)
                    guard let bytes = FileManager.default.contents(atPath: rigURL.path) else {
                        throw CaptureError(file: manifestURL.path, problem: "names rig \"\(rig)\", which cannot be read")
                    }
                    files.append((prefix + "rig.json", Array(bytes)))
                    rigCopied = true
                }
                m.rig = nil
                let original = (try? JSONValue.parse(Data(contentsOf: manifestURL)))?.pairs?.map(\.0) ?? []
                removed += original.filter { !["format", "rig", "subject", "session", "region", "view", "consent", "workingRange"].contains($0) }
                    .map { "capture.json key \"\($0)\"" }
                files.append((prefix + "capture.json", Array(m.json.data())))
                manifest = m
                if name == nil { auditSubject = m.subject }   // a study has many subjects
            }
            var images = 0
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where !file.hasPrefix(".") {
                let url = folder.appendingPathComponent(file)
                let ext = url.pathExtension.lowercased()
                if Capture.imageExtensions.contains(ext) {
                    let bytes = try ImageFile.bytes(of: url)
                    let (clean, report) = try MetadataStripping.strip(bytes, file: url.path, keepICC: keepICC)
                    // Stripping must never change what a decoder sees.
                    _ = try ImageFile.info(of: clean, file: url.path)
                    files.append((prefix + file, clean))
                    removed += report.removed.map { "\(file): \($0)" }
                    if let o = report.droppedOrientation, o != ExifOrientation.up {
                        FileHandle.standardError.write(Data("note: \(url.path) carried EXIF orientation \(o); it is dropped (Trinocular never applies it)\n".utf8))
                    }
                    images += 1
                } else if file == "rig.json" {
                    guard let bytes = FileManager.default.contents(atPath: url.path) else { throw CaptureError(file: url.path, problem: "cannot be read") }
                    files.append((prefix + file, Array(bytes)))
                    rigCopied = true
                } else if file != "capture.json" {
                    skipped.append(file)
                }
            }
            if !skipped.isEmpty {
                FileHandle.standardError.write(Data("note: left behind in \(folder.path): \(skipped.joined(separator: ", "))\n".utf8))
            }
            reports.append(.object([
                ("folder", .optional(outName)), ("images", .int(images)), ("rig", .bool(rigCopied)),
                ("subject", .optional(manifest?.subject.flatMap { screen.suspicion($0) == nil ? $0 : nil })),
                ("removed", .array(removed.map { .string($0) })), ("filesLeftBehind", .int(skipped.count)),
            ]))
        }
        if let mapURL {
            // The map first: if it cannot be written, nothing else is.
            try PrivateFile.makeFolder(mapURL.deletingLastPathComponent())
            try PrivateFile.write(Array(map.json.data()), to: mapURL)
            FileHandle.standardError.write(Data("pseudonym map: \(mapURL.path) — it re-identifies the data: keep it apart (trinocular seal)\n".utf8))
        }
        let report = JSONValue.object([
            ("format", "trinocular.deidentification/1"), ("tool", .string("trinocular \(TrinocularVersion.string)")),
            ("kind", "captures"), ("iccProfilesKept", .bool(keepICC)), ("pseudonymised", .bool(mapURL != nil)),
            ("purpose", .optional(privacy.purpose)),
            ("captures", .array(reports)),
        ])
        return (files, report, auditSubject)
    }
}
