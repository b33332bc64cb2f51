import Foundation
import Interchange
import Metrology
import Pipeline
import Safekeeping
import Studies
import Surface

/// Landmarks once per subject (issue 19). In a study run with a plan, a subject's captures
/// without their own landmarks.json take those of the subject's **baseline** — its first
/// capture, by folder name, that has one — carried over by registering the baseline's
/// surface onto theirs (`LandmarkTransfer`). The baseline's case leaves its placed landmarks
/// and a sample of its surface in OUT/baselines (named by a digest of the subject's
/// pseudonym, never by a name); the other cases of the subject run after it and read them.
struct SubjectBaselines {
    /// The files one baseline leaves for the subject's other captures.
    struct Files: Codable, Sendable {
        /// The baseline capture's folder name (for messages and the method text).
        var folder: String
        /// Its surface: up to 50,000 mesh vertices (PLY, no faces).
        var surface: String
        /// Its landmarks as placed on its mesh (trinocular.landmarks/1, points in mm).
        var landmarks: String
        /// SHA-256 of the baseline's own landmarks.json: part of its followers' inputs, so
        /// that editing it re-runs them.
        var landmarksSHA256: String
        var exist: Bool { FileManager.default.fileExists(atPath: surface) && FileManager.default.fileExists(atPath: landmarks) }
    }

    /// By capture folder name: the baseline files a baseline writes.
    private(set) var writes: [String: Files] = [:]
    /// By capture folder name: the baseline files a follower reads.
    private(set) var reads: [String: Files] = [:]

    init() {}

    /// - Parameters:
    ///   - captures: folder name, URL and subject pseudonym of each capture, in folder order.
    init(_ captures: [(name: String, url: URL, subject: String)], out: URL) throws {
        var baseline: [String: Files] = [:]
        for c in captures where baseline[c.subject] == nil {
            let own = c.url.appendingPathComponent("landmarks.json")
            guard let bytes = FileManager.default.contents(atPath: own.path) else { continue }
            let id = String(Digest.hex(of: Array(c.subject.utf8)).prefix(16))
            let folder = out.appendingPathComponent("baselines")
            baseline[c.subject] = Files(folder: c.name, surface: folder.appendingPathComponent("\(id).ply").path,
                                        landmarks: folder.appendingPathComponent("\(id).landmarks.json").path,
                                        landmarksSHA256: Digest.hex(of: Array(bytes)))
            writes[c.name] = baseline[c.subject]
        }
        for c in captures where writes[c.name] == nil {
            guard !FileManager.default.fileExists(atPath: c.url.appendingPathComponent("landmarks.json").path),
                  let files = baseline[c.subject] else { continue }
            reads[c.name] = files
        }
    }

    /// The capture's inputs' digest: for a follower, its own folder's together with its
    /// baseline's landmarks.
    func inputs(_ key: CaptureKey) -> CaptureKey {
        guard let files = reads[key.folder] else { return key }
        var out = key
        out.inputsSHA256 = Digest.hex(of: Array((key.inputsSHA256 + files.landmarksSHA256).utf8))
        return out
    }
}

extension Batch {
    /// The landmarks a case measures between: its own landmarks.json, else its subject's
    /// baseline's carried onto `mesh`, else the batch's `--landmarks`. A baseline leaves its
    /// placed landmarks and surface for the others. With the transfer's registration when
    /// carried.
    static func caseLandmarks(_ url: URL, mesh: TriangleMesh, capture: Capture, shared: [UInt8]?, baseline: SubjectBaselines.Files?,
                              writesBaseline: Bool) throws -> (Landmarks, LandmarkTransfer.Result?) {
        let own = url.appendingPathComponent("landmarks.json")
        if let baseline, !writesBaseline {
            guard baseline.exist else {
                throw LandmarkError(file: own.path, problem: "is missing, and the subject's baseline capture \(baseline.folder) left no landmarks to carry over (did it fail?)")
            }
            let surface = try PLYMesh.read(URL(fileURLWithPath: baseline.surface))
            let points = try landmarkPoints(baseline.landmarks)
            let carried = try LandmarkTransfer.carry(points, from: surface, onto: mesh)
            let landmarks = try Landmarks(json: LandmarkTransfer.json(carried.landmarks), file: "\(baseline.folder)'s landmarks carried over",
                                          mesh: mesh, rig: nil, keepingUnplaced: true)
            return (landmarks, carried)
        }
        let file = FileManager.default.fileExists(atPath: own.path) ? own.path : "--landmarks"
        guard let data = FileManager.default.contents(atPath: own.path).map(Array.init) ?? shared else {
            throw LandmarkError(file: own.path, problem: "is missing; a plan needs the capture's landmarks (or --landmarks)")
        }
        let placed = try Landmarks(json: Data(data), file: file, mesh: mesh, rig: capture.rig, keepingUnplaced: true)
        if writesBaseline, let baseline {
            try PrivateFile.makeFolder(URL(fileURLWithPath: baseline.surface).deletingLastPathComponent())
            try PrivateFile.write(PLYMesh.encode(LandmarkTransfer.samples(of: mesh), comments: ["trinocular: a baseline capture's surface samples"]),
                                  to: URL(fileURLWithPath: baseline.surface))
            try PrivateFile.write(Array(LandmarkTransfer.json(placed.landmarks.map { ($0.name, $0.point) })),
                                  to: URL(fileURLWithPath: baseline.landmarks))
        }
        return (placed, nil)
    }

    /// The named points of a landmarks file this tool wrote.
    static func landmarkPoints(_ path: String) throws -> LandmarkTransfer.Placed {
        let root = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path)))
        return try (root["landmarks"]?.array ?? []).map { entry in
            guard let name = entry["name"]?.string, let p = entry["point"]?.array?.compactMap(\.number), p.count == 3 else {
                throw LandmarkError(file: path, problem: "a landmark without a name and a point")
            }
            return (name, SIMD3(p[0], p[1], p[2]))
        }
    }
}
