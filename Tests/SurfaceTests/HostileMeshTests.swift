import Foundation
import Surface
import Testing

/// Numbers from mesh files never trap: colours of any size clamp, list-typed properties
/// where scalars belong are refused, header counts are bounded by what the file holds.
struct HostileMeshTests {
    static func ply(_ properties: String, _ vertices: [String]) -> [UInt8] {
        Array(("ply\nformat ascii 1.0\nelement vertex \(vertices.count)\nproperty float x\nproperty float y\nproperty float z\n\(properties)"
               + "element face 1\nproperty list uchar int vertex_indices\nend_header\n" + vertices.joined(separator: "\n") + "\n3 0 1 2\n").utf8)
    }

    @Test func coloursOutsideTheByteRangeClamp() throws {
        let bytes = Self.ply("property float red\nproperty double green\nproperty float blue\n",
                             ["0 0 0 1e20 -1e20 127.6", "1 0 0 255 0 0", "0 1 0 -3 300 2.4e38"])
        let mesh = try PLYMesh.decode(bytes, file: "c.ply")
        #expect(mesh.colors == [SIMD3(255, 0, 128), SIMD3(255, 0, 0), SIMD3(0, 255, 255)])
        let obj = try OBJMesh.decode(Array("v 0 0 0 1e17 -1e300 0.5\nv 1 0 0 0 0 0\nv 0 1 0 2 1 1e308\nf 1 2 3\n".utf8), file: "c.obj")
        #expect(obj.colors == [SIMD3(255, 0, 128), SIMD3(0, 0, 0), SIMD3(255, 255, 255)])
    }

    @Test func listTypedNormalsOrColoursAreRefused() {
        for properties in ["property list uchar float nx\nproperty float ny\nproperty float nz\n",
                           "property uchar red\nproperty list uchar uchar green\nproperty uchar blue\n",
                           "property float nx\n"] {
            #expect(throws: MeshFileError.self) { try PLYMesh.decode(Self.ply(properties, ["0 0 0 1 1 1", "1 0 0 1 1 1", "0 1 0 1 1 1"]), file: "n.ply") }
        }
    }

    @Test func countsAreBoundedByTheFile() throws {
        var header = "ply\nformat binary_little_endian 1.0\n"
        for i in 0..<40 { header += "element empty\(i) 500000000\n" }
        header += "element vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
        var body = [UInt8]()
        for v: [Float] in [[0, 0, 0], [1, 0, 0], [0, 1, 0]] { for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { body += $0 } } }
        body += [3, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]
        let started = Date()
        let mesh = try PLYMesh.decode(Array(header.utf8) + body, file: "empty-elements.ply")
        #expect(mesh.faces.count == 1 && Date().timeIntervalSince(started) < 1)
        // A list element that cannot fit in the bytes left is refused before it is read.
        let lists = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 400000000\n"
            + "property list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"
        #expect(throws: MeshFileError.self) { try PLYMesh.decode(Array(lists.utf8), file: "faces.ply") }
    }

    @Test func refusalsQuoteAShortExcerpt() {
        let long = String(repeating: "x", count: 100_000)
        for bytes in [Array("ply\nformat ascii 1.0\n\(long)\nend_header\n".utf8), Array("v 0 0 \(long)\n".utf8), Array("\(long) 1 2\n".utf8)] {
            do {
                _ = bytes.first == 0x70 ? try PLYMesh.decode(bytes, file: "long") : try OBJMesh.decode(bytes, file: "long")
                Issue.record("accepted")
            } catch {
                #expect("\(error)".count < 200, "\("\(error)".count) characters")
            }
        }
    }
}
