import Interchange
import Foundation

/// How a mesh's edges are shared: the facts that decide whether it encloses a volume.
public struct MeshTopology: Sendable, Equatable {
    /// Edges used by one face only (holes, open borders).
    public var boundaryEdges = 0
    /// Edges used by more than two faces.
    public var nonManifoldEdges = 0
    /// Edges whose two faces run them the same way (inconsistent winding).
    public var inconsistentEdges = 0
    /// Faces with a repeated vertex or zero area.
    public var degenerateFaces = 0
    public var faces = 0

    /// Closed and consistently oriented: every edge in exactly two faces that run it in
    /// opposite directions, no degenerate face, at least one face.
    public var isClosed: Bool {
        faces > 0 && boundaryEdges == 0 && nonManifoldEdges == 0 && inconsistentEdges == 0 && degenerateFaces == 0
    }

    /// How it was checked, for reports.
    public static let method = "every edge shared by exactly two faces that traverse it in opposite directions; no degenerate faces"

    /// Why the mesh is not closed, in words; nil when it is.
    public var problem: String? {
        guard !isClosed else { return nil }
        if faces == 0 { return "the mesh has no faces" }
        var parts: [String] = []
        if boundaryEdges > 0 { parts.append("\(boundaryEdges) boundary edges (holes or an open border)") }
        if nonManifoldEdges > 0 { parts.append("\(nonManifoldEdges) edges shared by more than two faces") }
        if inconsistentEdges > 0 { parts.append("\(inconsistentEdges) edges whose faces are wound inconsistently") }
        if degenerateFaces > 0 { parts.append("\(degenerateFaces) degenerate faces") }
        return parts.joined(separator: ", ")
    }
}

/// A volume was asked of a mesh that does not enclose one.
public struct VolumeRefused: TrinocularError, Equatable {
    public var fault: Fault { .badInput }
    public var reason: String
    public var description: String { "no volume: the mesh is not closed (\(reason)); volumes are given for closed, consistently oriented meshes only" }
}

extension TriangleMesh {
    /// Edge sharing and winding of the mesh.
    public var topology: MeshTopology {
        var t = MeshTopology()
        t.faces = faces.count
        for f in faces {
            let a = vertices[Int(f.x)], b = vertices[Int(f.y)], c = vertices[Int(f.z)]
            let n = crossProduct(b - a, c - a)
            if f.x == f.y || f.y == f.z || f.x == f.z || (n * n).sum() == 0 { t.degenerateFaces += 1 }
        }
        HalfEdges(self).forEachEdge { _, _, forward, backward in
            let n = forward + backward
            if n == 1 { t.boundaryEdges += 1 } else if n > 2 { t.nonManifoldEdges += 1 } else if forward != 1 { t.inconsistentEdges += 1 }
        }
        return t
    }

    /// The enclosed volume (mm³) of a closed, consistently oriented mesh, by the divergence
    /// theorem: Σ (a − o) · ((b − o) × (c − o)) / 6 over the faces, o the vertices' centroid
    /// (so that the terms stay small), compensated summation. Positive for outward winding;
    /// a mesh wound inward gives the same magnitude, negative.
    /// - Throws: `VolumeRefused` with the reason when the mesh is not closed.
    public func volume() throws -> Double {
        let t = topology
        if let problem = t.problem { throw VolumeRefused(reason: problem) }
        var o = SIMD3<Double>.zero
        for v in vertices { o += v }
        o /= Double(max(vertices.count, 1))
        var sum = 0.0, compensation = 0.0
        for f in faces {
            let a = vertices[Int(f.x)] - o, b = vertices[Int(f.y)] - o, c = vertices[Int(f.z)] - o
            let y = (a * crossProduct(b, c)).sum() / 6 - compensation
            let s = sum + y
            compensation = (s - sum) - y
            sum = s
        }
        return sum
    }
}
