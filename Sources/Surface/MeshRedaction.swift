/// Removing part of a body scan that identifies the patient (the head and face) before the
/// mesh leaves the clinic, and dropping what was painted from photographs.
extension TriangleMesh {
    /// A region of space to remove, in the mesh's frame (mm).
    public enum Redaction: Sendable {
        /// Everything on the side of the plane its normal points to (the normal points at
        /// the head: from the neck towards the crown).
        case beyondPlane(point: SIMD3<Double>, normal: SIMD3<Double>)
        /// Everything outside an axis-aligned box.
        case outsideBox(min: SIMD3<Double>, max: SIMD3<Double>)

        func removes(_ p: SIMD3<Double>) -> Bool {
            switch self {
            case let .beyondPlane(point, normal): return ((p - point) * normal).sum() > 0
            case let .outsideBox(lo, hi): return any(p .< lo) || any(p .> hi)
            }
        }
    }

    /// The mesh without the faces that touch the removed region (a face with any vertex in
    /// it goes, so the cut edge lies up to one edge length inside the kept side), without
    /// colours, and with unreferenced vertices dropped. Normals are kept.
    /// - Returns: the kept mesh and the number of faces removed.
    public func redacted(_ redaction: Redaction) -> (mesh: TriangleMesh, removedFaces: Int) {
        let removed = vertices.map(redaction.removes)
        var newIndex = [Int32](repeating: -1, count: vertices.count)
        var keptVertices: [SIMD3<Double>] = []
        var keptNormals: [SIMD3<Float>] = []
        var keptFaces: [SIMD3<Int32>] = []
        keptFaces.reserveCapacity(faces.count)
        for f in faces {
            let a = Int(f.x), b = Int(f.y), c = Int(f.z)
            if removed[a] || removed[b] || removed[c] { continue }
            var g = SIMD3<Int32>()
            for (k, v) in [a, b, c].enumerated() {
                if newIndex[v] < 0 {
                    newIndex[v] = Int32(keptVertices.count)
                    keptVertices.append(vertices[v])
                    if let normals { keptNormals.append(normals[v]) }
                }
                g[k] = newIndex[v]
            }
            keptFaces.append(g)
        }
        let mesh = TriangleMesh(vertices: keptVertices, faces: keptFaces, normals: normals == nil ? nil : keptNormals, colors: nil)
        return (mesh, faces.count - keptFaces.count)
    }
}
