/// Stanford PLY writing (binary little-endian, the contract's point-cloud layout).
/// Readers (MeshLab, Open3D, trimesh) take `x y z` float, `nx ny nz` float and
/// `red green blue` uchar as positions, normals and colours.
public enum PLY {
    /// A point cloud as binary little-endian PLY: `x y z` (float32, mm), then `nx ny nz`
    /// (float32) and `red green blue` (uint8) when given — one per point.
    /// - Precondition: normals and colours, when given, have one entry per position.
    public static func pointCloud(positions: [SIMD3<Float>], normals: [SIMD3<Float>]? = nil, colors: [SIMD3<UInt8>]? = nil,
                                  comments: [String] = []) -> [UInt8] {
        precondition(normals.map { $0.count == positions.count } ?? true, "one normal per point")
        precondition(colors.map { $0.count == positions.count } ?? true, "one colour per point")
        var header = "ply\nformat binary_little_endian 1.0\n"
        for c in comments { header += "comment \(c.replacingNewlines)\n" }
        header += "element vertex \(positions.count)\nproperty float x\nproperty float y\nproperty float z\n"
        if normals != nil { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        if colors != nil { header += "property uchar red\nproperty uchar green\nproperty uchar blue\n" }
        header += "end_header\n"
        let stride = 12 + (normals != nil ? 12 : 0) + (colors != nil ? 3 : 0)
        var out = Array(header.utf8)
        let start = out.count
        out += [UInt8](repeating: 0, count: stride * positions.count)
        out.withUnsafeMutableBytes { raw in
            var offset = start
            for i in positions.indices {
                for v in [positions[i].x, positions[i].y, positions[i].z] { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self); offset += 4 }
                if let n = normals?[i] {
                    for v in [n.x, n.y, n.z] { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self); offset += 4 }
                }
                if let c = colors?[i] {
                    raw[offset] = c.x; raw[offset + 1] = c.y; raw[offset + 2] = c.z; offset += 3
                }
            }
        }
        return out
    }
}

extension String {
    var replacingNewlines: String { String(map { $0.isNewline ? " " : $0 }) }
}
