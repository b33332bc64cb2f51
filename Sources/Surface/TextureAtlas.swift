import Foundation
import Interchange

/// Texture coordinates for a mesh whose faces are painted from photographs: each face takes
/// its three corners' coordinates in one image (a material). Coordinates follow OBJ: u to
/// the right, v up, both 0…1 across the image.
public struct TextureAtlas: Sendable {
    /// Material names, one per texture image (`<name>` in the MTL; its image file is
    /// `textureFiles[i]`, beside the OBJ).
    public var materials: [String]
    public var textureFiles: [String]
    /// Texture coordinates (u, v).
    public var coordinates: [SIMD2<Float>]
    /// Per face: indices into `coordinates` for its three corners, and its material.
    public var faceCoordinates: [SIMD3<Int32>]
    public var faceMaterial: [Int32]

    public init(materials: [String], textureFiles: [String], coordinates: [SIMD2<Float>], faceCoordinates: [SIMD3<Int32>], faceMaterial: [Int32]) {
        precondition(materials.count == textureFiles.count && faceCoordinates.count == faceMaterial.count, "one entry per material and per face")
        self.materials = materials; self.textureFiles = textureFiles; self.coordinates = coordinates
        self.faceCoordinates = faceCoordinates; self.faceMaterial = faceMaterial
    }
}

extension OBJMesh {
    /// OBJ text with texture coordinates: `vt` lines, faces grouped by material
    /// (`usemtl <material>`) as `f v/vt/vn`. The MTL to go with it is `material(atlas:)`.
    public static func encode(_ mesh: TriangleMesh, atlas: TextureAtlas, materialLibrary: String, comments: [String] = []) -> [UInt8] {
        precondition(atlas.faceCoordinates.count == mesh.faces.count, "one texture triple per face")
        var out = encode(TriangleMesh(vertices: mesh.vertices, faces: [], normals: mesh.normals, colors: mesh.colors),
                         comments: comments, materialLibrary: materialLibrary)
        // `encode` ended with "usemtl surface\n" (no faces): drop it.
        let tail = Array("usemtl surface\n".utf8)
        if out.count >= tail.count, Array(out.suffix(tail.count)) == tail { out.removeLast(tail.count) }
        out.reserveCapacity(out.count + atlas.coordinates.count * 24 + mesh.faces.count * 60)
        for t in atlas.coordinates {
            out.append(UInt8(ascii: "v")); out.append(UInt8(ascii: "t"))
            out.append(32); appendDecimal(Double(t.x), places: 6, to: &out)
            out.append(32); appendDecimal(Double(t.y), places: 6, to: &out)
            out.append(10)
        }
        let withNormals = mesh.normals != nil
        for (m, name) in atlas.materials.enumerated() {
            let members = atlas.faceMaterial.indices.filter { atlas.faceMaterial[$0] == Int32(m) }
            guard !members.isEmpty else { continue }
            out += Array("usemtl \(name)\n".utf8)
            for i in members {
                let f = mesh.faces[i], t = atlas.faceCoordinates[i]
                out.append(UInt8(ascii: "f"))
                for k in 0..<3 {
                    out.append(32)
                    appendInteger(Int(f[k]) + 1, to: &out)
                    out.append(47); appendInteger(Int(t[k]) + 1, to: &out)
                    if withNormals { out.append(47); appendInteger(Int(f[k]) + 1, to: &out) }
                }
                out.append(10)
            }
        }
        return out
    }

    /// The MTL for a textured OBJ: one material per texture image (`map_Kd`).
    public static func material(atlas: TextureAtlas, comments: [String] = []) -> [UInt8] {
        var out = ""
        for c in comments { out += "# \(String(c.map { $0.isNewline ? " " : $0 }))\n" }
        for (name, file) in zip(atlas.materials, atlas.textureFiles) {
            out += "newmtl \(name)\nKa 1 1 1\nKd 1 1 1\nKs 0 0 0\nd 1\nillum 1\nmap_Kd \(file)\n\n"
        }
        return Array(out.utf8)
    }
}

extension TextureAtlas {
    /// The image file of each of `materials` (`map_Kd`) in the material library `mtl`. Every
    /// file must be a plain name (the image beside the OBJ, no folders: a library must not
    /// point elsewhere on the disk).
    /// - Throws: `MeshFileError` naming the library and the material.
    public static func imageFiles(materials: [String], mtl: URL) throws -> [String] {
        guard let text = try? String(contentsOf: mtl, encoding: .utf8) else { throw MeshFileError(file: mtl.path, problem: "cannot read the material library (UTF-8 text)") }
        var files: [String: String] = [:], current: String?
        for raw in text.split(separator: "\n") {
            let f = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let key = f.first else { continue }
            if key == "newmtl" { current = f.dropFirst().joined(separator: " ") }
            if key == "map_Kd", let current, let name = f.last { files[current] = String(name) }
        }
        return try materials.map { m in
            guard let file = files[m] else { throw MeshFileError(file: mtl.path, problem: "material '\(m.excerpt())' has no map_Kd image") }
            guard !file.contains("/"), !file.contains("\\"), file != "..", file != "." else {
                throw MeshFileError(file: mtl.path, problem: "material '\(m.excerpt())': the image '\(file.excerpt())' must be a file beside the OBJ")
            }
            return file
        }
    }
}
