import Foundation
import Interchange

/// A mesh file that cannot be read: names the file and what is wrong with it.
public typealias MeshFileError = FileProblem

/// Stanford PLY meshes: binary little-endian (written by default) or ASCII, `vertex` with
/// `x y z` (+ `nx ny nz`, `red green blue`), `face` with `vertex_indices` (uchar count, int
/// indices). Reading accepts both byte orders and ASCII, any scalar types, extra properties
/// and elements (skipped), and polygons (fanned into triangles); it refuses — with the
/// reason — wrong counts, truncated bodies, indices out of range, non-finite coordinates.
public enum PLYMesh {
    public enum Encoding: Sendable { case binaryLittleEndian, ascii }

    public static func encode(_ mesh: TriangleMesh, encoding: Encoding = .binaryLittleEndian, comments: [String] = []) -> [UInt8] {
        var header = "ply\nformat \(encoding == .ascii ? "ascii" : "binary_little_endian") 1.0\n"
        for c in comments { header += "comment \(String(c.map { $0.isNewline ? " " : $0 }))\n" }
        header += "element vertex \(mesh.vertices.count)\nproperty float x\nproperty float y\nproperty float z\n"
        if mesh.normals != nil { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        if mesh.colors != nil { header += "property uchar red\nproperty uchar green\nproperty uchar blue\n" }
        header += "element face \(mesh.faces.count)\nproperty list uchar int vertex_indices\nend_header\n"
        var out = Array(header.utf8)
        switch encoding {
        case .ascii:
            var body = ""
            for i in mesh.vertices.indices {
                let v = SIMD3<Float>(mesh.vertices[i])
                body += "\(v.x) \(v.y) \(v.z)"
                if let n = mesh.normals?[i] { body += " \(n.x) \(n.y) \(n.z)" }
                if let c = mesh.colors?[i] { body += " \(c.x) \(c.y) \(c.z)" }
                body += "\n"
            }
            for f in mesh.faces { body += "3 \(f.x) \(f.y) \(f.z)\n" }
            out += Array(body.utf8)
        case .binaryLittleEndian:
            func put(_ v: Float) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
            for i in mesh.vertices.indices {
                let v = SIMD3<Float>(mesh.vertices[i])
                put(v.x); put(v.y); put(v.z)
                if let n = mesh.normals?[i] { put(n.x); put(n.y); put(n.z) }
                if let c = mesh.colors?[i] { out += [c.x, c.y, c.z] }
            }
            for f in mesh.faces {
                out.append(3)
                for k in 0..<3 { withUnsafeBytes(of: f[k].littleEndian) { out += $0 } }
            }
        }
        return out
    }

    // MARK: Reading

    enum Scalar: String {
        case char, uchar, short, ushort, int, uint, float, double
        init?(name: String) {
            switch name {
            case "char", "int8": self = .char
            case "uchar", "uint8": self = .uchar
            case "short", "int16": self = .short
            case "ushort", "uint16": self = .ushort
            case "int", "int32": self = .int
            case "uint", "uint32": self = .uint
            case "float", "float32": self = .float
            case "double", "float64": self = .double
            default: return nil
            }
        }
        var size: Int {
            switch self { case .char, .uchar: return 1; case .short, .ushort: return 2; case .int, .uint, .float: return 4; case .double: return 8 }
        }
    }

    struct Property { var name: String; var type: Scalar; var countType: Scalar? }
    struct Element { var name: String; var count: Int; var properties: [Property] }

    /// The largest element count a header may declare (500 million; a 5 MP reconstruction's
    /// full mesh has ~3 million faces). Counts are also bounded by what the file can hold.
    public static let maximumElementCount = 500_000_000

    /// The header: its format, its elements and where the body starts.
    static func header(_ bytes: [UInt8], _ fail: (String) -> MeshFileError) throws -> (format: String, elements: [Element], end: Int) {
        // Header: lines up to "end_header".
        guard bytes.count >= 4, Array(bytes[0..<3]) == Array("ply".utf8), bytes[3] == 0x0A || bytes[3] == 0x0D else {
            throw fail("not a PLY file (it does not start with \"ply\")")
        }
        let marker = Array("end_header".utf8)
        var end = -1
        var i = 0
        let limit = min(bytes.count, 1 << 20)
        while i + marker.count <= limit {
            if bytes[i] == marker[0], Array(bytes[i..<(i + marker.count)]) == marker, i == 0 || bytes[i - 1] == 0x0A {
                end = i + marker.count
                break
            }
            i += 1
        }
        guard end > 0 else { throw fail("the header has no end_header line (truncated, or not a PLY file)") }
        if end < bytes.count, bytes[end] == 0x0D { end += 1 }
        if end < bytes.count, bytes[end] == 0x0A { end += 1 }
        guard let headerText = String(bytes: bytes[0..<end], encoding: .ascii) else { throw fail("the header is not ASCII text") }
        var format: String?
        var elements: [Element] = []
        for raw in headerText.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let f = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let key = f.first else { continue }
            switch key {
            case "ply", "comment", "obj_info", "end_header": continue
            case "format":
                guard f.count == 3, ["ascii", "binary_little_endian", "binary_big_endian"].contains(f[1]), f[2] == "1.0" else {
                    throw fail("unknown format line \"\(raw.excerpt())\"")
                }
                format = f[1]
            case "element":
                guard f.count == 3, let n = Int(f[2]), n >= 0, n <= maximumElementCount else {
                    throw fail("bad element line \"\(raw.excerpt())\" (a count of 0 … \(maximumElementCount))")
                }
                guard !elements.contains(where: { $0.name == f[1] }) else { throw fail("two \(f[1].excerpt()) elements") }
                elements.append(Element(name: f[1], count: n, properties: []))
            case "property":
                guard !elements.isEmpty else { throw fail("a property before any element") }
                if f.count == 5, f[1] == "list" {
                    guard let c = Scalar(name: f[2]), let t = Scalar(name: f[3]), c != .float, c != .double else { throw fail("bad list property \"\(raw.excerpt())\"") }
                    elements[elements.count - 1].properties.append(Property(name: f[4], type: t, countType: c))
                } else {
                    guard f.count == 3, let t = Scalar(name: f[1]) else { throw fail("bad property line \"\(raw.excerpt())\"") }
                    elements[elements.count - 1].properties.append(Property(name: f[2], type: t, countType: nil))
                }
            default:
                throw fail("unknown header line \"\(raw.excerpt())\"")
            }
        }
        guard let format else { throw fail("the header has no format line") }
        return (format, elements, end)
    }

    /// Reads a PLY mesh. - Throws: `MeshFileError` naming `file` and the problem.
    public static func decode(_ bytes: [UInt8], file: String) throws -> TriangleMesh {
        func fail(_ problem: String) -> MeshFileError { MeshFileError(file: file, problem: problem) }
        let (format, elements, end) = try header(bytes, fail)
        guard let vertexElement = elements.first(where: { $0.name == "vertex" }) else { throw fail("no vertex element") }
        for name in ["x", "y", "z"] where !vertexElement.properties.contains(where: { $0.name == name && $0.countType == nil }) {
            throw fail("the vertex element has no \(name) property")
        }
        // Normals and colours are read only as plain (non-list) properties, all three of each.
        func scalarProperties(_ names: [String]) throws -> Bool {
            let found = names.filter { n in vertexElement.properties.contains { $0.name == n } }
            guard !found.isEmpty else { return false }
            for n in names where !vertexElement.properties.contains(where: { $0.name == n && $0.countType == nil }) {
                throw fail("the vertex element has \(found.joined(separator: ", ")) but no plain \(n) property")
            }
            return true
        }

        var reader: ValueReader = format == "ascii" ? AsciiReader(bytes: bytes, offset: end) : BinaryReader(bytes: bytes, offset: end, bigEndian: format == "binary_big_endian")
        var vertices: [SIMD3<Double>] = [], normals: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>] = []
        var faces: [SIMD3<Int32>] = []
        let hasNormals = try scalarProperties(["nx", "ny", "nz"])
        let hasColors = try scalarProperties(["red", "green", "blue"])
        for element in elements {
            // An element must fit in what is left of the file: each of its values needs at
            // least one byte (binary: its size; ASCII: a digit and a separator).
            let leastBytes = element.properties.reduce(0) { sum, p in
                sum + (format == "ascii" ? 2 : (p.countType ?? p.type).size)
            }
            if leastBytes == 0 { continue }   // an element without properties holds no data
            guard element.count <= (bytes.count - reader.offset + 1) / max(leastBytes, 1) else {
                throw fail("truncated: \(element.count) \(element.name.excerpt()) elements cannot fit in the \(bytes.count - reader.offset) bytes left")
            }
            // Binary bodies: the element must fit in what is left (fixed-size elements).
            if format != "ascii", element.properties.allSatisfy({ $0.countType == nil }) {
                let size = element.properties.reduce(0) { $0 + $1.type.size }
                guard element.count <= (bytes.count - reader.offset) / max(size, 1) else {
                    throw fail("truncated: the \(element.name) element needs \(element.count) × \(size) bytes, \(bytes.count - reader.offset) are left")
                }
            }
            if element.name == "vertex" { vertices.reserveCapacity(min(element.count, bytes.count / 4)) }
            if var binary = reader as? BinaryReader {
                let done = try binary.fixedSize(element, vertices: &vertices, normals: &normals, colors: &colors, hasNormals: hasNormals, hasColors: hasColors, fail)
                    || binary.faceList(element, vertexCount: vertices.count, into: &faces, fail)
                reader = binary
                if done { continue }
            }
            try readValues(element, reader: &reader, vertices: &vertices, normals: &normals, colors: &colors, faces: &faces,
                           hasNormals: hasNormals, hasColors: hasColors, fail)
        }
        return TriangleMesh(vertices: vertices, faces: faces, normals: hasNormals ? normals : nil, colors: hasColors ? colors : nil)
    }

    /// One element read value by value (ASCII bodies, and binary layouts the positional
    /// reader does not take): vertices and faces appended, other elements read past.
    static func readValues(_ element: Element, reader: inout ValueReader, vertices: inout [SIMD3<Double>], normals: inout [SIMD3<Float>],
                           colors: inout [SIMD3<UInt8>], faces: inout [SIMD3<Int32>], hasNormals: Bool, hasColors: Bool,
                           _ fail: (String) -> MeshFileError) throws {
        for index in 0..<element.count {
            var values: [String: Double] = [:]
            var list: [Double] = []
            for p in element.properties {
                if let c = p.countType {
                    let n = try reader.read(c, fail)
                    guard n >= 0, n <= 1000, n == n.rounded() else { throw fail("\(element.name) \(index): a list of \(n) entries") }
                    list = []
                    for _ in 0..<Int(n) { list.append(try reader.read(p.type, fail)) }
                    if element.name == "face", p.name == "vertex_indices" || p.name == "vertex_index" { values["list"] = 1 }
                } else {
                    values[p.name] = try reader.read(p.type, fail)
                }
            }
            if element.name == "vertex" {
                guard let x = values["x"], let y = values["y"], let z = values["z"] else { throw fail("vertex \(index) has no x, y, z") }
                let v = SIMD3(x, y, z)
                guard v.x.isFinite, v.y.isFinite, v.z.isFinite else { throw fail("vertex \(index) has a non-finite coordinate") }
                vertices.append(v)
                if hasNormals {
                    normals.append(SIMD3<Float>(Float(values["nx"] ?? 0), Float(values["ny"] ?? 0), Float(values["nz"] ?? 0)))
                }
                if hasColors {
                    let rgb = ["red", "green", "blue"].map { values[$0] ?? .nan }
                    guard rgb.allSatisfy(\.isFinite) else { throw fail("vertex \(index) has a non-finite colour") }
                    // Any number clamps to 0…255: a colour out of range is not worth refusing a mesh.
                    let c = rgb.map { UInt8(min(255, max(0, $0.rounded()))) }
                    colors.append(SIMD3<UInt8>(c[0], c[1], c[2]))
                }
            } else if element.name == "face", values["list"] != nil {
                guard list.count >= 3 else { throw fail("face \(index) has \(list.count) vertices") }
                var idx: [Int32] = []
                for v in list {
                    guard v >= 0, v < Double(vertices.count), v == v.rounded() else {
                        throw fail("face \(index) names vertex \(v), but there are \(vertices.count) vertices")
                    }
                    idx.append(Int32(v))
                }
                for k in 1..<(idx.count - 1) { faces.append(SIMD3(idx[0], idx[k], idx[k + 1])) }
            }
        }
    }

    public static func read(_ url: URL) throws -> TriangleMesh {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw MeshFileError(file: url.path, problem: "cannot read the file") }
        return try decode([UInt8](data), file: url.path)
    }
}

protocol ValueReader {
    var offset: Int { get }
    mutating func read(_ type: PLYMesh.Scalar, _ fail: (String) -> MeshFileError) throws -> Double
}

struct BinaryReader: ValueReader {
    let bytes: [UInt8]
    var offset: Int
    let bigEndian: Bool

    mutating func read(_ type: PLYMesh.Scalar, _ fail: (String) -> MeshFileError) throws -> Double {
        let n = type.size
        guard offset + n <= bytes.count else { throw fail("truncated: the body ends at byte \(bytes.count)") }
        var raw: UInt64 = 0
        for k in 0..<n {
            let b = UInt64(bytes[offset + (bigEndian ? k : n - 1 - k)])
            raw = raw << 8 | b
        }
        offset += n
        switch type {
        case .char: return Double(Int8(truncatingIfNeeded: raw))
        case .uchar: return Double(UInt8(truncatingIfNeeded: raw))
        case .short: return Double(Int16(truncatingIfNeeded: raw))
        case .ushort: return Double(UInt16(truncatingIfNeeded: raw))
        case .int: return Double(Int32(truncatingIfNeeded: raw))
        case .uint: return Double(UInt32(truncatingIfNeeded: raw))
        case .float: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case .double: return Double(bitPattern: raw)
        }
    }
}

struct AsciiReader: ValueReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func read(_ type: PLYMesh.Scalar, _ fail: (String) -> MeshFileError) throws -> Double {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 { offset += 1 }
        let start = offset
        while offset < bytes.count, !(bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09) {
            offset += 1
            guard offset - start < 64 else { throw fail("a value longer than 64 characters at byte \(start)") }
        }
        guard offset > start else { throw fail("truncated: the body ends before all values are read") }
        guard let text = String(bytes: bytes[start..<offset], encoding: .ascii), let v = Double(text) else {
            throw fail("\"\(String(decoding: bytes[start..<offset], as: UTF8.self))\" at byte \(start) is not a number")
        }
        return v
    }
}

/// The binary body read by position rather than value by value: elements whose properties
/// are all scalars are fixed-size records; faces are a count and that many indices. The
/// same checks as the value-by-value reading, and the same messages.
extension BinaryReader {
    static func value(_ raw: UnsafeRawBufferPointer, _ at: Int, _ type: PLYMesh.Scalar, _ big: Bool) -> Double {
        switch type {
        case .char: return Double(raw.load(fromByteOffset: at, as: Int8.self))
        case .uchar: return Double(raw.load(fromByteOffset: at, as: UInt8.self))
        case .short: let r = raw.loadUnaligned(fromByteOffset: at, as: Int16.self); return Double(big ? Int16(bigEndian: r) : Int16(littleEndian: r))
        case .ushort: let r = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self); return Double(big ? UInt16(bigEndian: r) : UInt16(littleEndian: r))
        case .int: let r = raw.loadUnaligned(fromByteOffset: at, as: Int32.self); return Double(big ? Int32(bigEndian: r) : Int32(littleEndian: r))
        case .uint: let r = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self); return Double(big ? UInt32(bigEndian: r) : UInt32(littleEndian: r))
        case .float: let r = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self); return Double(Float(bitPattern: big ? UInt32(bigEndian: r) : UInt32(littleEndian: r)))
        case .double: let r = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self); return Double(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
        }
    }

    /// Reads a fixed-size element (every property a scalar, no name twice); vertices go to
    /// the arrays, other elements are skipped. - Returns: false when the element is not of
    /// that kind (the caller reads it value by value).
    mutating func fixedSize(_ element: PLYMesh.Element, vertices: inout [SIMD3<Double>], normals: inout [SIMD3<Float>], colors: inout [SIMD3<UInt8>],
                            hasNormals: Bool, hasColors: Bool, _ fail: (String) -> MeshFileError) throws -> Bool {
        let properties = element.properties
        guard properties.allSatisfy({ $0.countType == nil }), Set(properties.map(\.name)).count == properties.count else { return false }
        var at: [String: (offset: Int, type: PLYMesh.Scalar)] = [:], stride = 0
        for p in properties { at[p.name] = (stride, p.type); stride += p.type.size }
        guard offset + element.count * stride <= bytes.count else { throw fail("truncated: the body ends at byte \(bytes.count)") }
        defer { offset += element.count * stride }
        guard element.name == "vertex" else { return true }
        let big = bigEndian, start = offset
        let x = at["x"]!, y = at["y"]!, z = at["z"]!
        let n = hasNormals ? [at["nx"]!, at["ny"]!, at["nz"]!] : []
        let c = hasColors ? [at["red"]!, at["green"]!, at["blue"]!] : []
        try bytes.withUnsafeBytes { raw in
            for index in 0..<element.count {
                let base = start + index * stride
                let v = SIMD3(Self.value(raw, base + x.offset, x.type, big), Self.value(raw, base + y.offset, y.type, big), Self.value(raw, base + z.offset, z.type, big))
                guard v.x.isFinite, v.y.isFinite, v.z.isFinite else { throw fail("vertex \(index) has a non-finite coordinate") }
                vertices.append(v)
                if hasNormals {
                    normals.append(SIMD3<Float>(Float(Self.value(raw, base + n[0].offset, n[0].type, big)), Float(Self.value(raw, base + n[1].offset, n[1].type, big)),
                                                Float(Self.value(raw, base + n[2].offset, n[2].type, big))))
                }
                if hasColors {
                    let rgb = c.map { Self.value(raw, base + $0.offset, $0.type, big) }
                    guard rgb.allSatisfy(\.isFinite) else { throw fail("vertex \(index) has a non-finite colour") }
                    colors.append(SIMD3<UInt8>(UInt8(min(255, max(0, rgb[0].rounded()))), UInt8(min(255, max(0, rgb[1].rounded()))), UInt8(min(255, max(0, rgb[2].rounded())))))
                }
            }
        }
        return true
    }

    /// Reads a face element whose only property is its vertex-index list, fanning polygons
    /// into triangles. - Returns: false when the element is not of that kind.
    mutating func faceList(_ element: PLYMesh.Element, vertexCount: Int, into faces: inout [SIMD3<Int32>], _ fail: (String) -> MeshFileError) throws -> Bool {
        guard element.name == "face", element.properties.count == 1, let p = element.properties.first, let countType = p.countType,
              p.name == "vertex_indices" || p.name == "vertex_index" else { return false }
        let big = bigEndian, size = p.type.size, total = bytes.count
        var at = offset
        defer { offset = at }
        faces.reserveCapacity(faces.count + element.count)
        var list: [Double] = []
        try bytes.withUnsafeBytes { raw in
            for index in 0..<element.count {
                guard at + countType.size <= total else { throw fail("truncated: the body ends at byte \(total)") }
                let n = Self.value(raw, at, countType, big)
                at += countType.size
                guard n >= 0, n <= 1000, n == n.rounded() else { throw fail("face \(index): a list of \(n) entries") }
                let count = Int(n)
                guard at + count * size <= total else { at = total; throw fail("truncated: the body ends at byte \(total)") }
                list.removeAll(keepingCapacity: true)
                for k in 0..<count { list.append(Self.value(raw, at + k * size, p.type, big)) }
                at += count * size
                guard count >= 3 else { throw fail("face \(index) has \(count) vertices") }
                for v in list where !(v >= 0 && v < Double(vertexCount) && v == v.rounded()) {
                    throw fail("face \(index) names vertex \(v), but there are \(vertexCount) vertices")
                }
                for k in 1..<(count - 1) { faces.append(SIMD3(Int32(list[0]), Int32(list[k]), Int32(list[k + 1]))) }
            }
        }
        return true
    }
}
