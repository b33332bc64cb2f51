import Foundation
import Interchange

/// Reads OBJ text line by line: vertices (with optional colours), faces (fans of polygons),
/// and for textured meshes the `vt` coordinates, the `usemtl` materials and the `mtllib`.
/// Every number and reference is checked; the error names the line.
struct OBJReader {
    let file: String
    var vertices: [SIMD3<Double>] = [], colors: [SIMD3<UInt8>] = [], faces: [SIMD3<Int32>] = []
    var coloured: Bool?
    var sawStatement = false
    var texcoords: [SIMD2<Float>] = [], faceTexcoords: [SIMD3<Int32>] = [], faceMaterial: [Int32] = []
    var materials: [String] = [], material: Int32 = -1, materialLibrary: String?
    /// Whether every face so far named a texture coordinate for each corner.
    var allTextured = true

    init(file: String) { self.file = file }

    mutating func read(_ text: String) throws {
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let key = f.first else { continue }
            do { try statement(key, f) } catch let problem as OBJProblem {
                throw MeshFileError(file: file, problem: "line \(number + 1): \(problem.text)")
            }
        }
        guard sawStatement else { throw MeshFileError(file: file, problem: "no vertices or faces: not an OBJ mesh") }
    }

    /// One statement; a problem is thrown as `OBJProblem`.
    mutating func statement(_ key: Substring, _ f: [Substring]) throws {
        switch key {
        case "v": try vertex(f)
        case "f": try face(f)
        case "vt":
            guard f.count >= 3, let u = Double(f[1]), let v = Double(f[2]), u.isFinite, v.isFinite else { throw OBJProblem("a texture coordinate needs u v (finite numbers)") }
            texcoords.append(SIMD2(Float(u), Float(v)))
        case "usemtl":
            let name = f.dropFirst().joined(separator: " ")
            if let k = materials.firstIndex(of: name) { material = Int32(k) } else { materials.append(name); material = Int32(materials.count - 1) }
        case "mtllib":
            materialLibrary = f.dropFirst().joined(separator: " ")
        case "vn", "vp", "o", "g", "s", "l", "p":
            break
        default:
            throw OBJProblem("unknown statement \"\(key.excerpt())\"")
        }
        sawStatement = true
    }

    mutating func vertex(_ f: [Substring]) throws {
        guard f.count == 4 || f.count == 7 else { throw OBJProblem("a vertex needs x y z (and optionally r g b)") }
        let values = try f.dropFirst().map { s -> Double in
            guard let v = Double(s), v.isFinite else { throw OBJProblem("\"\(s.excerpt())\" is not a finite number") }
            return v
        }
        vertices.append(SIMD3(values[0], values[1], values[2]))
        let hasColour = values.count == 6
        if let c = coloured, c != hasColour { throw OBJProblem("some vertices have colours and some do not") }
        coloured = hasColour
        if hasColour {
            // Colours are 0…1; any finite number clamps (×255 of a huge one would not fit an Int).
            let c = values[3...5].map { UInt8(min(255, max(0, ($0 * 255).rounded()))) }
            colors.append(SIMD3(c[0], c[1], c[2]))
        }
    }

    mutating func face(_ f: [Substring]) throws {
        guard f.count >= 4 else { throw OBJProblem("a face needs three vertices or more") }
        guard f.count <= 1001 else { throw OBJProblem("a face of \(f.count - 1) vertices") }
        var idx: [Int32] = [], tex: [Int32] = []
        for ref in f.dropFirst() {
            let parts = ref.split(separator: "/", omittingEmptySubsequences: false)
            idx.append(try reference(parts.first ?? "", count: vertices.count, what: "vertex", ref: ref))
            if parts.count > 1, !parts[1].isEmpty {
                tex.append(try reference(parts[1], count: texcoords.count, what: "texture coordinate", ref: ref))
            }
        }
        let textured = tex.count == idx.count && material >= 0
        allTextured = allTextured && textured
        for k in 1..<(idx.count - 1) {
            faces.append(SIMD3(idx[0], idx[k], idx[k + 1]))
            if textured { faceTexcoords.append(SIMD3(tex[0], tex[k], tex[k + 1])); faceMaterial.append(material) }
        }
    }

    /// A 1-based (or negative, relative) OBJ index into a list of `count`, as a 0-based Int32.
    func reference(_ s: Substring, count: Int, what: String, ref: Substring) throws -> Int32 {
        guard let n = Int(s), n != 0 else { throw OBJProblem("\"\(ref.excerpt())\" is not a \(what) reference") }
        let i = n > 0 ? n - 1 : count + n
        guard i >= 0, i < count else { throw OBJProblem("face names \(what) \(n), but \(count) are defined so far") }
        guard let index = Int32(exactly: i) else { throw OBJProblem("\(what) \(n) is beyond the 2³¹ a mesh may have") }
        return index
    }

    var mesh: TriangleMesh { TriangleMesh(vertices: vertices, faces: faces, colors: coloured == true ? colors : nil) }

    /// The texture atlas when every face named texture coordinates under a material; its
    /// files are left empty (the MTL names them: `TextureAtlas.imageFiles`).
    var atlas: TextureAtlas? {
        guard allTextured, !faces.isEmpty, faceTexcoords.count == faces.count else { return nil }
        return TextureAtlas(materials: materials, textureFiles: materials.map { _ in "" }, coordinates: texcoords,
                            faceCoordinates: faceTexcoords, faceMaterial: faceMaterial)
    }
}

/// A problem of one OBJ line, before the file and line are added.
struct OBJProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
