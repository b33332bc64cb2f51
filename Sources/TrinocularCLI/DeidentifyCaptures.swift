import ArgumentParser
import Foundation
import Geometry
import Imaging
import Interchange
import Pipeline
import Safekeeping

/// The mapping from real subjects and folder names to pseudonyms (`--pseudonyms MAP.json`,
/// format `trinocular.pseudonyms/1`), kept apart from the de-identified copy.
struct PseudonymMap {
    var subjects: [(String, String)] = []
    var folders: [(String, String)] = []
    /// Sessions whose name looked like PHI (a date, a name): replaced by V0001, ….
    var sessions: [(String, String)] = []

    init() {}

    init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let json: JSONValue
        do { json = try JSONValue.parse(InputLimits.read(url, limit: 64 << 20, what: "a pseudonym map")) } catch {
            throw SafekeepingRefusal(file: url.path, problem: "is not a readable pseudonym map (\(error))")
        }
        guard json["format"]?.string == "trinocular.pseudonyms/1" else {
            throw SafekeepingRefusal(file: url.path, problem: "is not a pseudonym map (format \"trinocular.pseudonyms/1\")")
        }
        subjects = (json["subjects"]?.pairs ?? []).compactMap { k, v in v.string.map { (k, $0) } }
        folders = (json["folders"]?.pairs ?? []).compactMap { k, v in v.string.map { (k, $0) } }
        sessions = (json["sessions"]?.pairs ?? []).compactMap { k, v in v.string.map { (k, $0) } }
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
            ("sessions", .object(sessions.map { ($0.0, .string($0.1)) })),
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
                removed += try screenFreeText(&m, map: &map, pseudonymise: mapURL != nil, file: manifestURL.path, screen: screen)
                // A rig named outside the folder comes along as the folder's rig.json.
                if let rig = m.rig, !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rig.json").path) {
                    let rigURL = folder.appendingPathComponent(rig)
                    guard FileManager.default.fileExists(atPath: rigURL.path) else {
                        throw CaptureError(file: manifestURL.path, problem: "names rig \"\(rig.excerpt())\", which cannot be read")
                    }
                    files.append((prefix + "rig.json", try Self.cleanRig(rigURL)))
                    rigCopied = true
                }
                m.rig = nil
                let original = (try? JSONValue.parse(InputLimits.read(manifestURL, what: "a capture.json")))?.pairs?.map(\.0) ?? []
                removed += original.filter { !["format", "rig", "subject", "session", "region", "view", "consent", "workingRange"].contains($0) }
                    .map { screen.suspicion($0) == nil ? "capture.json key \"\($0.excerpt())\"" : "a capture.json key that looked like PHI" }
                files.append((prefix + "capture.json", Array(m.json.data())))
                manifest = m
                if name == nil { auditSubject = m.subject }   // a study has many subjects
            }
            var images = 0
            var imageNames = mapURL.map { _ in ImageNames(cameraIDs: Self.cameraIDs(folder, manifest: manifestURL)) }
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where !file.hasPrefix(".") {
                let url = folder.appendingPathComponent(file)
                let ext = url.pathExtension.lowercased()
                if Capture.imageExtensions.contains(ext) {
                    let (outFile, clean, report) = try cleanImage(url, names: &imageNames, screen: screen)
                    files.append((prefix + outFile, clean))
                    removed += report.removed.map { "\(outFile): \($0)" }
                    images += 1
                } else if file == "rig.json" {
                    files.append((prefix + file, try Self.cleanRig(url)))
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

extension Deidentify {
    /// capture.json's free text besides the subject — `session`, `region`, `view` — screened
    /// like the subject. With pseudonyms (`map`), a session that looks like PHI is replaced by
    /// a pseudonym (V0001, …: it groups a subject's captures, so it must stay consistent) and
    /// a region or view that does is dropped; without, it is warned about or refused
    /// (--strict). Returns what was dropped or replaced, for the report.
    func screenFreeText(_ m: inout CaptureManifest, map: inout PseudonymMap, pseudonymise: Bool, file: String,
                        screen: IdentifierScreen) throws -> [String] {
        var changed: [String] = []
        if let session = m.session, screen.suspicion(session) != nil {
            if pseudonymise {
                m.session = PseudonymMap.pseudonym(session, in: &map.sessions, prefix: "V")
                changed.append("capture.json session (replaced by a pseudonym)")
            } else {
                try privacy.check(session, "session", file: file, screen: screen, advice: "use a neutral name (pre, post-6m) or --pseudonyms MAP.json")
            }
        }
        for key in ["region", "view"] {
            let value = key == "region" ? m.region : m.view
            guard let value, screen.suspicion(value) != nil else { continue }
            if pseudonymise {
                if key == "region" { m.region = nil } else { m.view = nil }
                changed.append("capture.json \(key) (it looked like PHI)")
            } else {
                try privacy.check(value, key, file: file, screen: screen, advice: "use a region or view word (face, breast, frontal) or --pseudonyms MAP.json")
            }
        }
        return changed
    }

    /// An image without metadata and its name in the copy: with pseudonyms (`names`) its
    /// camera's only; without, its own, screened like a folder's.
    func cleanImage(_ url: URL, names: inout ImageNames?, screen: IdentifierScreen) throws -> (String, [UInt8], MetadataStripping.Report) {
        let file = url.lastPathComponent
        let outFile: String
        if names != nil {
            outFile = names!.pseudonymous(file)
        } else {
            try privacy.check(file, "the image file name", file: url.path, screen: screen,
                              advice: "name images after their cameras (cam0.jpg) or use --pseudonyms MAP.json")
            outFile = file
        }
        let (clean, report) = try MetadataStripping.strip(try ImageFile.bytes(of: url), file: url.path, keepICC: keepICC)
        // Stripping must never change what a decoder sees.
        _ = try ImageFile.info(of: clean, file: url.path)
        if let o = report.droppedOrientation, o != ExifOrientation.up {
            FileHandle.standardError.write(Data("note: \(url.path) carried EXIF orientation \(o); it is dropped (Trinocular never applies it)\n".utf8))
        }
        return (outFile, clean, report)
    }

    /// The rig file as Trinocular writes it: the contract's keys only, so that nothing a
    /// person added to it comes along.
    static func cleanRig(_ url: URL) throws -> [UInt8] {
        Array(try Rig(contentsOf: url).jsonData())
    }

    /// The rig's camera ids, where the capture's rig can be read (else none).
    static func cameraIDs(_ folder: URL, manifest: URL) -> [String] {
        var rigURL = folder.appendingPathComponent("rig.json")
        if !FileManager.default.fileExists(atPath: rigURL.path), let m = try? CaptureManifest(contentsOf: manifest), let rig = m.rig {
            rigURL = folder.appendingPathComponent(rig)
        }
        return (try? Rig(contentsOf: rigURL))?.cameras.map(\.id) ?? []
    }
}

/// Pseudonymous image names: the camera id an image is named after (`cam0.jpg`, or a
/// longer name ending in one camera id, `Jane_Doe_cam0.jpg` → `cam0.jpg`), else `image-01`,
/// `image-02`, … in the folder's order.
struct ImageNames {
    let cameraIDs: [String]
    var used: Set<String> = []
    var unnamed = 0

    init(cameraIDs: [String]) { self.cameraIDs = cameraIDs }

    mutating func pseudonymous(_ file: String) -> String {
        let url = URL(fileURLWithPath: file)
        let stem = url.deletingPathExtension().lastPathComponent, ext = url.pathExtension.lowercased()
        let matches = cameraIDs.filter { id in
            stem == id || [" ", "_", "-", "."].contains { stem.hasSuffix($0 + id) }
        }
        // The longest id that matches (cam10 over cam0 would not match "…_cam10" anyway).
        if let id = matches.max(by: { $0.count < $1.count }), !used.contains(id) {
            used.insert(id)
            return id + "." + ext
        }
        unnamed += 1
        return String(format: "image-%02d.", unnamed) + ext
    }
}
