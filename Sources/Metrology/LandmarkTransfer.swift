import Foundation
import Interchange
import LinearAlgebra
import Surface

/// Landmarks placed once on a subject's baseline capture, carried to another capture of the
/// same subject: the baseline's surface is registered rigidly onto the other capture's mesh
/// (`Registration`, point-to-plane ICP with robust weights — as `compare` registers post onto
/// pre) and the landmarks move with it. A study then needs one landmark set per subject.
public enum LandmarkTransfer {
    /// Landmarks as placed on the baseline (mm, the baseline's world frame).
    public typealias Placed = [(name: String, point: SIMD3<Double>)]

    public struct Result: Sendable {
        /// The landmarks in the target mesh's frame (not yet snapped onto it).
        public var landmarks: Placed
        /// Baseline → target; its RMS residual (mm) and inlier share say how well the two
        /// surfaces agree where they overlap.
        public var registration: Registration.Result
    }

    /// At most `count` of the mesh's vertices, evenly through its vertex list, without
    /// faces: what a baseline keeps of its surface for later registrations.
    public static func samples(of mesh: TriangleMesh, count: Int = 50_000) -> TriangleMesh {
        let step = max(1, mesh.vertices.count / max(1, count))
        return TriangleMesh(vertices: stride(from: 0, to: mesh.vertices.count, by: step).map { mesh.vertices[$0] }, faces: [])
    }

    /// Registers `baseline` (its vertices suffice) onto `mesh` and moves `landmarks` with it.
    /// - Throws: `RegistrationError` when the surfaces cannot be registered (too little
    ///   overlap: under a third of the baseline's samples find the target surface).
    public static func carry(_ landmarks: Placed, from baseline: TriangleMesh, onto mesh: TriangleMesh) throws -> Result {
        let registration = try Registration.align(baseline, onto: mesh)
        guard registration.inlierFraction >= 1.0 / 3 else {
            throw RegistrationError(problem: String(format: "the baseline's surface overlaps this capture's too little to carry its landmarks (%.0f %% of its samples found this surface)",
                                                    100 * registration.inlierFraction))
        }
        return Result(landmarks: landmarks.map { ($0.name, registration.transform.apply($0.point)) }, registration: registration)
    }

    /// A `trinocular.landmarks/1` file of 3-D points (mm).
    public static func json(_ landmarks: Placed) -> Data {
        JSONValue.object([
            ("format", "trinocular.landmarks/1"),
            ("landmarks", .array(landmarks.map { .object([("name", .string($0.name)), ("point", .numbers([$0.point.x, $0.point.y, $0.point.z]))]) })),
        ]).data()
    }
}
