import Foundation

/// Wavefront OBJ meshes: `v x y z [r g b]` (colours 0…1, the extension MeshLab, Open3D and
/// trimesh read), `vn`, and `f` with `v`, `v/vt`, `v//vn` or `v/vt/vn` references (1-based;
/// negative counts back from the last vertex). Polygons are fanned into triangles; other
/// statements (`vt`, `o`, `g`, `s`, `usemtl`, `mtllib`, comments) are skipped on reading.
public enum OBJMesh {
    public static func encode(_ mesh: TriangleMesh, comments: [String] = []) -> [UInt8] {
        var out = ""
        for c in comments { out += "# \(String(c.map { $0.isNewline ? " " : $0 }))\n" }
        for (i, v) in mesh.vertices.enumerated() {
            let p = SIMD3<Float>(v)
            out += "v \(p.x) \(p.y) \(p.z)"
            if let c = mesh.colors?[i] {
                out += " \(Float(c.x) / 255) \(Float(c.y) / 255) \(Float(c.z) / 255)"
            }
            out += "\n"
        }
        if let normals = mesh.normals { for n in normals { out += "vn \(n.x) \(n.y) \(n.z)\n" } }
        let withNormals = mesh.normals != nil
        for f in mesh.faces {
            let a = f.x + 1, b = f.y + 1, c = f.z + 1
            out += withNormals ? "f \(a)//\(a) \(b)//\(b) \(c)//\(c)\n" : "f \(a) \(b) \(c)\n"
        }
        return Array(out.utf8)
    }

    /// Reads an OBJ mesh. - Throws: `MeshFileError` naming `file`, the line and the problem.
    public static func decode(_ bytes: [UInt8], file: String) throws -> TriangleMesh {
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw MeshFileError(file: file, problem: "not UTF-8 text (an OBJ file is text)") }
        var vertices: [SIMD3<Double>] = [], colors: [SIMD3<UInt8>] = [], faces: [SIMD3<Int32>] = []
        var coloured: Bool?
        var sawStatement = false
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func fail(_ problem: String) -> MeshFileError { MeshFileError(file: file, problem: "line \(number + 1): \(problem)") }
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let key = f.first else { continue }
            switch key {
            case "v":
                guard f.count == 4 || f.count == 7 else { throw fail("a vertex needs x y z (and optionally r g b)") }
                let values = try f.dropFirst().map { s -> Double in
                    guard let v = Double(s), v.isFinite else { throw fail("\"\(s)\" is not a finite number") }
                    return v
                }
                vertices.append(SIMD3(values[0], values[1], values[2]))
                let hasColour = values.count == 6
                if let c = coloured, c != hasColour { throw fail("some vertices have colours and some do not") }
                coloured = hasColour
                if hasColour {
                    colors.append(SIMD3(UInt8(clamping: Int((values[3] * 255).rounded())), UInt8(clamping: Int((values[4] * 255).rounded())),
                                        UInt8(clamping: Int((values[5] * 255).rounded()))))
                }
                sawStatement = true
            case "f":
                guard f.count >= 4 else { throw fail("a face needs three vertices or more") }
                guard f.count <= 1001 else { throw fail("a face of \(f.count - 1) vertices") }
                var idx: [Int32] = []
                for ref in f.dropFirst() {
                    let first = ref.split(separator: "/", omittingEmptySubsequences: false).first ?? ""
                    guard let n = Int(first), n != 0 else { throw fail("\"\(ref)\" is not a vertex reference") }
                    let i = n > 0 ? n - 1 : vertices.count + n
                    guard i >= 0, i < vertices.count else { throw fail("face names vertex \(n), but \(vertices.count) are defined so far") }
                    idx.append(Int32(i))
                }
                for k in 1..<(idx.count - 1) { faces.append(SIMD3(idx[0], idx[k], idx[k + 1])) }
                sawStatement = true
            case "vn", "vt", "vp", "o", "g", "s", "usemtl", "mtllib", "l", "p":
                sawStatement = true
            default:
                throw fail("unknown statement \"\(key)\"")
            }
        }
        guard sawStatement else { throw MeshFileError(file: file, problem: "no vertices or faces: not an OBJ mesh") }
        return TriangleMesh(vertices: vertices, faces: faces, colors: coloured == true ? colors : nil)
    }

    public static func read(_ url: URL) throws -> TriangleMesh {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw MeshFileError(file: url.path, problem: "cannot read the file") }
        return try decode([UInt8](data), file: url.path)
    }
}
