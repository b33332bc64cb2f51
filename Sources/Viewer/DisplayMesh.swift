import Foundation
import LinearAlgebra
import Surface

/// A mesh laid out for WebGL: one vertex per (mesh vertex, texture coordinate) pair, so
/// that a vertex on the seam between two photographs appears once per photograph; faces
/// grouped by the photograph that paints them.
///
/// Units and frame: positions in mm in the mesh's frame (the rig's world frame for
/// `reconstruct`'s meshes), unit normals, texture coordinates as in OBJ (v up).
public struct DisplayMesh: Sendable {
    /// A run of faces drawn with one texture: `texture` indexes the scene's texture files
    /// (nil: no texture); `first` and `count` count indices (three per face).
    public struct Group: Sendable, Codable, Equatable {
        public var texture: Int?
        public var first: Int
        public var count: Int
    }

    public var positions: [Float] = []
    public var normals: [Float] = []
    public var coordinates: [Float] = []
    /// Red, green, blue, alpha per vertex.
    public var colours: [UInt8] = []
    public var indices: [UInt32] = []
    public var groups: [Group] = []

    public var vertexCount: Int { positions.count / 3 }

    /// The mesh with its vertex colours (grey when it has none) and, given an atlas, its
    /// texture coordinates; faces ordered by material.
    public init(_ mesh: TriangleMesh, atlas: TextureAtlas? = nil) {
        let normals = mesh.normals ?? Self.vertexNormals(mesh)
        func appendVertex(_ v: Int, _ uv: SIMD2<Float>) {
            let p = mesh.vertices[v], n = normals[v], c = mesh.colors?[v] ?? SIMD3(190, 190, 190)
            positions += [Float(p.x), Float(p.y), Float(p.z)]
            self.normals += [n.x, n.y, n.z]
            coordinates += [uv.x, uv.y]
            colours += [c.x, c.y, c.z, 255]
        }
        guard let atlas, atlas.faceMaterial.count == mesh.faces.count else {
            for v in mesh.vertices.indices { appendVertex(v, .zero) }
            indices = mesh.faces.flatMap { [UInt32($0.x), UInt32($0.y), UInt32($0.z)] }
            groups = [Group(texture: nil, first: 0, count: indices.count)]
            return
        }
        var slot: [UInt64: UInt32] = [:]
        slot.reserveCapacity(mesh.vertices.count + mesh.vertices.count / 4)
        let order = atlas.faceMaterial.indices.sorted { (atlas.faceMaterial[$0], $0) < (atlas.faceMaterial[$1], $1) }
        indices.reserveCapacity(3 * mesh.faces.count)
        for f in order {
            let material = Int(atlas.faceMaterial[f])
            if groups.last?.texture != material { groups.append(Group(texture: material, first: indices.count, count: 0)) }
            let face = mesh.faces[f], uv = atlas.faceCoordinates[f]
            for k in 0..<3 {
                let key = UInt64(UInt32(face[k])) << 32 | UInt64(UInt32(uv[k]))
                if let s = slot[key] { indices.append(s); continue }
                let s = UInt32(vertexCount)
                appendVertex(Int(face[k]), atlas.coordinates[Int(uv[k])])
                slot[key] = s
                indices.append(s)
            }
            groups[groups.count - 1].count += 3
        }
    }

    /// Area-weighted vertex normals (unit; +z where a vertex has no face).
    static func vertexNormals(_ mesh: TriangleMesh) -> [SIMD3<Float>] {
        var sum = [SIMD3<Double>](repeating: .zero, count: mesh.vertices.count)
        for f in mesh.faces {
            let a = mesh.vertices[Int(f.x)], b = mesh.vertices[Int(f.y)], c = mesh.vertices[Int(f.z)]
            let n = cross(b - a, c - a)
            sum[Int(f.x)] += n; sum[Int(f.y)] += n; sum[Int(f.z)] += n
        }
        return sum.map { n in
            let l = length(n)
            return l > 0 ? SIMD3<Float>(n / l) : SIMD3(0, 0, 1)
        }
    }

    /// The buffers back to back, little-endian, in this order: positions, normals,
    /// texture coordinates (float32), colours (uint8 × 4), indices (uint32) — the page
    /// slices them by `vertexCount` and the index count.
    public func encoded() -> Data {
        var data = Data(capacity: positions.count * 4 * 2 + coordinates.count * 4 + colours.count + indices.count * 4)
        func append<T>(_ array: [T]) { array.withUnsafeBytes { data.append(contentsOf: $0) } }
        append(positions); append(normals); append(coordinates); append(colours); append(indices)
        return data
    }
}
