import Foundation
import Interchange

/// Reads OBJ text line by line: vertices (with optional colours), faces (fans of polygons),
/// and for textured meshes the `vt` coordinates, the `usemtl` materials and the `mtllib`.
/// Every number and reference is checked; the error names the line.
///
/// The text is read as bytes (lines end at LF; spaces, tabs and CR separate tokens; `#`
/// starts a comment): a reconstruction's 270 MB OBJ reads in seconds, where splitting it
/// as a Swift String took half a minute.
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

    /// A line's tokens: ranges into the text.
    typealias Tokens = [Range<Int>]

    mutating func read(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { text in
            var tokens: Tokens = []
            var start = 0, number = 0
            while start <= text.count {
                var end = start
                while end < text.count, text[end] != 0x0A { end += 1 }
                number += 1
                var content = start
                while content < end, text[content] != 0x23 { content += 1 }   // '#'
                tokens.removeAll(keepingCapacity: true)
                var i = start
                while i < content {
                    while i < content, Self.separates(text[i]) { i += 1 }
                    let s = i
                    while i < content, !Self.separates(text[i]) { i += 1 }
                    if i > s { tokens.append(s..<i) }
                }
                if !tokens.isEmpty {
                    do { try statement(text, tokens) } catch let problem as OBJProblem {
                        throw MeshFileError(file: file, problem: "line \(number): \(problem.text)")
                    }
                }
                start = end + 1
            }
        }
        guard sawStatement else { throw MeshFileError(file: file, problem: "no vertices or faces: not an OBJ mesh") }
    }

    @inline(__always) static func separates(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    static func text(_ t: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: t[r]), as: UTF8.self) }

    static func equals(_ t: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ word: StaticString) -> Bool {
        guard r.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<r.count where t[r.lowerBound + k] != w[k] { return false }
        return true
    }

    /// A finite decimal number, or nil (what `Double(String)` takes: strtod in the C locale,
    /// the whole token consumed).
    static func number(_ t: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
        guard r.count < 64 else { return Double(text(t, r)) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
            for k in 0..<r.count { buffer[k] = CChar(bitPattern: t[r.lowerBound + k]) }
            buffer[r.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == r.count, r.count > 0, !Self.separates(t[r.lowerBound]) else { return nil }
            return value
        }
    }

    /// A decimal integer with an optional sign, or nil (on overflow too).
    static func integer(_ t: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        var i = r.lowerBound, negative = false
        if i < r.upperBound, t[i] == 0x2D || t[i] == 0x2B { negative = t[i] == 0x2D; i += 1 }
        guard i < r.upperBound else { return nil }
        var value = 0
        while i < r.upperBound {
            let d = Int(t[i]) - 0x30
            guard d >= 0, d <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10), (s, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        return negative ? -value : value
    }

    /// One statement; a problem is thrown as `OBJProblem`.
    mutating func statement(_ t: UnsafeBufferPointer<UInt8>, _ f: Tokens) throws {
        let key = f[0]
        if Self.equals(t, key, "v") { try vertex(t, f) }
        else if Self.equals(t, key, "f") { try face(t, f) }
        else if Self.equals(t, key, "vt") {
            guard f.count >= 3, let u = Self.number(t, f[1]), let v = Self.number(t, f[2]), u.isFinite, v.isFinite else { throw OBJProblem("a texture coordinate needs u v (finite numbers)") }
            texcoords.append(SIMD2(Float(u), Float(v)))
        } else if Self.equals(t, key, "usemtl") {
            let name = f.dropFirst().map { Self.text(t, $0) }.joined(separator: " ")
            if let k = materials.firstIndex(of: name) { material = Int32(k) } else { materials.append(name); material = Int32(materials.count - 1) }
        } else if Self.equals(t, key, "mtllib") {
            materialLibrary = f.dropFirst().map { Self.text(t, $0) }.joined(separator: " ")
        } else if ["vn", "vp", "o", "g", "s", "l", "p"].contains(where: { Self.equals(t, key, $0) }) {
        } else {
            throw OBJProblem("unknown statement \"\(Self.text(t, key).excerpt())\"")
        }
        sawStatement = true
    }

    mutating func vertex(_ t: UnsafeBufferPointer<UInt8>, _ f: Tokens) throws {
        guard f.count == 4 || f.count == 7 else { throw OBJProblem("a vertex needs x y z (and optionally r g b)") }
        var values = SIMD8<Double>()
        for k in 1..<f.count {
            guard let v = Self.number(t, f[k]), v.isFinite else { throw OBJProblem("\"\(Self.text(t, f[k]).excerpt())\" is not a finite number") }
            values[k - 1] = v
        }
        vertices.append(SIMD3(values[0], values[1], values[2]))
        let hasColour = f.count == 7
        if let c = coloured, c != hasColour { throw OBJProblem("some vertices have colours and some do not") }
        coloured = hasColour
        if hasColour {
            // Colours are 0…1; any finite number clamps (×255 of a huge one would not fit an Int).
            func channel(_ x: Double) -> UInt8 { UInt8(min(255, max(0, (x * 255).rounded()))) }
            colors.append(SIMD3(channel(values[3]), channel(values[4]), channel(values[5])))
        }
    }

    mutating func face(_ t: UnsafeBufferPointer<UInt8>, _ f: Tokens) throws {
        guard f.count >= 4 else { throw OBJProblem("a face needs three vertices or more") }
        guard f.count <= 1001 else { throw OBJProblem("a face of \(f.count - 1) vertices") }
        var idx: [Int32] = [], tex: [Int32] = []
        idx.reserveCapacity(f.count - 1)
        for ref in f.dropFirst() {
            // v, v/vt, v//vn or v/vt/vn.
            var slash = ref.lowerBound
            while slash < ref.upperBound, t[slash] != 0x2F { slash += 1 }
            idx.append(try reference(t, ref.lowerBound..<slash, count: vertices.count, what: "vertex", ref: ref))
            if slash < ref.upperBound {
                var second = slash + 1
                while second < ref.upperBound, t[second] != 0x2F { second += 1 }
                if second > slash + 1 {
                    tex.append(try reference(t, (slash + 1)..<second, count: texcoords.count, what: "texture coordinate", ref: ref))
                }
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
    func reference(_ t: UnsafeBufferPointer<UInt8>, _ s: Range<Int>, count: Int, what: String, ref: Range<Int>) throws -> Int32 {
        guard let n = Self.integer(t, s), n != 0 else { throw OBJProblem("\"\(Self.text(t, ref).excerpt())\" is not a \(what) reference") }
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
