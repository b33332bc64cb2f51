import Foundation
import Surface
import Testing

@Suite struct PLYMeshTests {
    static let torus = VolumeTests.torus(m: 24, n: 12, R: 80, a: 25)

    @Test(arguments: [PLYMesh.Encoding.binaryLittleEndian, .ascii])
    func roundTripKeepsCountsAndVolume(encoding: PLYMesh.Encoding) throws {
        var mesh = Self.torus
        mesh.colors = mesh.vertices.indices.map { SIMD3(UInt8($0 % 256), 7, 200) }
        let bytes = PLYMesh.encode(mesh, encoding: encoding, comments: ["test"])
        let back = try PLYMesh.decode(bytes, file: "torus.ply")
        #expect(back.vertices.count == mesh.vertices.count && back.faces == mesh.faces)
        #expect(back.colors == mesh.colors && back.normals == nil)
        // Positions go through float32: the volume agrees to float precision.
        let v0 = try mesh.volume(), v1 = try back.volume()
        #expect(abs(v1 - v0) / v0 < 1e-6)
    }

    @Test func polygonsAreFannedAndOtherElementsSkipped() throws {
        let text = """
            ply
            format ascii 1.0
            comment a square and a camera element to skip
            element camera 1
            property float view_px
            property list uchar int junk
            element vertex 4
            property double x
            property double y
            property double z
            element face 1
            property list uchar uint vertex_index
            end_header
            1.5 2 7 8
            0 0 0
            1 0 0
            1 1 0
            0 1 0
            4 0 1 2 3

            """
        let mesh = try PLYMesh.decode(Array(text.utf8), file: "square.ply")
        #expect(mesh.faces == [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        #expect(abs(mesh.area - 1) < 1e-12)
    }

    @Test func malformedFilesSayWhatIsWrong() throws {
        let good = PLYMesh.encode(Self.torus)
        func problem(_ bytes: [UInt8]) -> String? {
            do { _ = try PLYMesh.decode(bytes, file: "m.ply"); return nil } catch let e as MeshFileError { return e.problem } catch { return "\(error)" }
        }
        #expect(problem(Array(good.dropLast(5)))?.contains("truncated") == true)
        #expect(problem(Array("solid cube\n".utf8))?.contains("not a PLY file") == true)
        let ascii = String(decoding: PLYMesh.encode(Self.torus, encoding: .ascii), as: UTF8.self)
        #expect(problem(Array(ascii.replacingOccurrences(of: "3 0 ", with: "3 9999 ").utf8))?.contains("names vertex 9999") == true)
        let nan = ascii.replacingOccurrences(of: "end_header\n", with: "end_header\nnan ")
        #expect(problem(Array(nan.utf8)) != nil)
        #expect(problem(Array(ascii.replacingOccurrences(of: "element face", with: "element face 12 extra").utf8))?.contains("bad element line") == true)
        #expect(problem(Array(ascii.replacingOccurrences(of: "format ascii 1.0", with: "format ascii 2.0").utf8))?.contains("unknown format") == true)
    }

    /// 1,000 damaged variants (truncated, bit-flipped, header edits) of binary and ASCII
    /// files: each either reads or throws `MeshFileError`; none crashes or hangs.
    @Test func corruptedVariantsOnlyThrow() throws {
        let sources = [PLYMesh.encode(Self.torus), PLYMesh.encode(Self.torus, encoding: .ascii)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        var thrown = 0, read = 0
        for k in 0..<1000 {
            var bytes = sources[k % 2]
            switch k % 4 {
            case 0: bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count))))
            case 1: for _ in 0..<(1 + Int(next() % 8)) { let i = Int(next() % UInt64(bytes.count)); bytes[i] ^= UInt8(1 << (next() % 8)) }
            case 2: let i = Int(next() % 200); if i < bytes.count { bytes[i] = UInt8(next() % 256) }
            default: let i = Int(next() % UInt64(bytes.count)); bytes.insert(contentsOf: Array("9999999".utf8), at: i)
            }
            do { _ = try PLYMesh.decode(bytes, file: "v\(k).ply"); read += 1 } catch is MeshFileError { thrown += 1 }
        }
        #expect(thrown + read == 1000)
        #expect(thrown > 500, "\(thrown) of 1000 damaged files refused")
    }
}
