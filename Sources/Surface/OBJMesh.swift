import Foundation
import Interchange

/// Wavefront OBJ meshes: `v x y z [r g b]` (colours 0…1, the extension MeshLab, Open3D and
/// trimesh read), `vn`, and `f` with `v`, `v/vt`, `v//vn` or `v/vt/vn` references (1-based;
/// negative counts back from the last vertex). Polygons are fanned into triangles; other
/// statements (`vt`, `o`, `g`, `s`, `usemtl`, `mtllib`, comments) are skipped on reading.
public enum OBJMesh {
    /// OBJ text. With `materialLibrary` (a file name beside the OBJ, e.g. "mesh.mtl") the
    /// faces use its material `surface` (see `material`).
    public static func encode(_ mesh: TriangleMesh, comments: [String] = [], materialLibrary: String? = nil) -> [UInt8] {
        var head = ""
        for c in comments { head += "# \(String(c.map { $0.isNewline ? " " : $0 }))\n" }
        if let materialLibrary { head += "mtllib \(materialLibrary)\n" }
        var out = Array(head.utf8)
        out.reserveCapacity(out.count + mesh.vertices.count * 90 + mesh.faces.count * 40)
        // Fixed-point decimals written directly: positions to 0.1 µm, normals and colours
        // to 1e-4 (finer than the float32 they come from at clinical sizes).
        for (i, v) in mesh.vertices.enumerated() {
            out.append(UInt8(ascii: "v"))
            for k in 0..<3 { out.append(32); appendDecimal(v[k], places: 4, to: &out) }
            if let c = mesh.colors?[i] {
                for k in 0..<3 { out.append(32); appendDecimal(Double(c[k]) / 255, places: 4, to: &out) }
            }
            out.append(10)
        }
        if let normals = mesh.normals {
            for n in normals {
                out.append(UInt8(ascii: "v")); out.append(UInt8(ascii: "n"))
                for k in 0..<3 { out.append(32); appendDecimal(Double(n[k]), places: 4, to: &out) }
                out.append(10)
            }
        }
        let withNormals = mesh.normals != nil
        if materialLibrary != nil { out += Array("usemtl surface\n".utf8) }
        for f in mesh.faces {
            out.append(UInt8(ascii: "f"))
            for k in 0..<3 {
                out.append(32)
                appendInteger(Int(f[k]) + 1, to: &out)
                if withNormals { out.append(47); out.append(47); appendInteger(Int(f[k]) + 1, to: &out) }
            }
            out.append(10)
        }
        return out
    }

    /// Appends a non-negative integer's decimal digits.
    @inline(__always)
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value, n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(48 + v % 10); v /= 10; n += 1 } while v > 0
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }

    /// Appends `value` with `places` decimals (rounded half away from zero); non-finite
    /// values as 0 (meshes hold none).
    @inline(__always)
    static func appendDecimal(_ value: Double, places: Int, to out: inout [UInt8]) {
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        guard value.isFinite, abs(value) < 1e12 else { out.append(48); return }
        let scaled = Int((abs(value) * Double(scale)).rounded(.toNearestOrAwayFromZero))
        if value < 0 && scaled != 0 { out.append(45) }
        appendInteger(scaled / scale, to: &out)
        out.append(46)
        var fraction = scaled % scale, divisor = scale / 10
        while divisor > 0 { out.append(UInt8(48 + fraction / divisor)); fraction %= divisor; divisor /= 10 }
    }

    /// The MTL file for `encode(materialLibrary:)`: one material, `surface`, a neutral matte
    /// grey that viewers shade; where the OBJ carries vertex colours, viewers that read them
    /// (MeshLab, Open3D, trimesh) show those instead.
    public static func material(comments: [String] = []) -> [UInt8] {
        var out = ""
        for c in comments { out += "# \(String(c.map { $0.isNewline ? " " : $0 }))\n" }
        out += "newmtl surface\nKa 0.2 0.2 0.2\nKd 0.8 0.8 0.8\nKs 0 0 0\nd 1\nillum 1\n"
        return Array(out.utf8)
    }

    /// Reads an OBJ mesh. - Throws: `MeshFileError` naming `file`, the line and the problem.
    public static func decode(_ bytes: [UInt8], file: String) throws -> TriangleMesh {
        try decodeTextured(bytes, file: file).mesh
    }

    /// Reads an OBJ mesh with its texture coordinates: when every face names a `vt` for each
    /// corner under a `usemtl`, an atlas whose materials are those names (their image files
    /// come from the material library, `TextureAtlas.imageFiles`), and the `mtllib` named.
    public static func decodeTextured(_ bytes: [UInt8], file: String) throws -> (mesh: TriangleMesh, atlas: TextureAtlas?, materialLibrary: String?) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw MeshFileError(file: file, problem: "not UTF-8 text (an OBJ file is text)") }
        var reader = OBJReader(file: file)
        try reader.read(bytes)
        return (reader.mesh, reader.atlas, reader.materialLibrary)
    }

    public static func read(_ url: URL) throws -> TriangleMesh {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw MeshFileError(file: url.path, problem: "cannot read the file") }
        return try decode([UInt8](data), file: url.path)
    }
}
