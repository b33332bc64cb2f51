/// EXIF orientation (TIFF tag 0x0112): how a viewer should turn the stored pixels.
///
/// Trinocular never applies it: a camera model is calibrated on the stored pixel grid,
/// and rotating the pixels would invalidate the rig. It is read and reported so that a
/// user can see when a camera or an editor has tagged an image.
public enum ExifOrientation: Int, Sendable, Equatable, CustomStringConvertible {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    public var description: String {
        switch self {
        case .up: return "1 (normal)"
        case .upMirrored: return "2 (mirrored horizontally)"
        case .down: return "3 (rotated 180°)"
        case .downMirrored: return "4 (mirrored vertically)"
        case .leftMirrored: return "5 (mirrored, rotated 90° CW)"
        case .right: return "6 (rotated 90° CW)"
        case .rightMirrored: return "7 (mirrored, rotated 90° CCW)"
        case .left: return "8 (rotated 90° CCW)"
        }
    }

    /// The orientation tag of a JPEG's EXIF block, or nil when there is none (or it is
    /// malformed: every read is bounds-checked, so corrupt data never traps).
    public static func read(jpeg d: [UInt8]) -> ExifOrientation? {
        ExifBlock.tiff(jpeg: d).flatMap(orientation(tiff:))
    }

    /// Orientation from a TIFF structure (the body of an EXIF block after "Exif\0\0").
    static func orientation(tiff t: [UInt8]) -> ExifOrientation? {
        guard let tiff = TIFFReader(t), let ifd = tiff.u32(4), let count = tiff.u16(ifd), count < 1000 else { return nil }
        for e in 0..<count {
            let entry = ifd + 2 + 12 * e
            guard let tag = tiff.u16(entry) else { return nil }
            if tag == 0x0112 {
                guard tiff.u16(entry + 2) == 3, let value = tiff.u16(entry + 8) else { return nil }  // type SHORT
                return ExifOrientation(rawValue: value)
            }
        }
        return nil
    }
}

/// A TIFF structure's numbers in its byte order (II little-endian, MM big-endian); every
/// read is bounds-checked and gives nil outside the data.
struct TIFFReader {
    let bytes: [UInt8]
    let little: Bool

    /// nil unless the header is II or MM followed by 42.
    init?(_ t: [UInt8]) {
        guard t.count >= 8 else { return nil }
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        bytes = t
        guard u16(2) == 42 else { return nil }
    }

    func u16(_ o: Int) -> Int? {
        guard o >= 0, o + 2 <= bytes.count else { return nil }
        return little ? Int(bytes[o]) | Int(bytes[o + 1]) << 8 : Int(bytes[o]) << 8 | Int(bytes[o + 1])
    }

    func u32(_ o: Int) -> Int? {
        guard let a = u16(o), let b = u16(o + 2) else { return nil }
        return little ? a | b << 16 : a << 16 | b
    }
}

/// The EXIF block of a JPEG: its TIFF structure, found by walking the markers up to the
/// scan. Every read is bounds-checked: malformed data gives nil, never a trap.
enum ExifBlock {
    static func tiff(jpeg d: [UInt8]) -> [UInt8]? {
        guard d.count > 4, d[0] == 0xFF, d[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= d.count {
            guard d[i] == 0xFF else { return nil }
            let marker = d[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD9 || marker == 0xDA { return nil }  // end of image / start of scan
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }  // no length
            let length = Int(d[i + 2]) << 8 | Int(d[i + 3])
            guard length >= 2, i + 2 + length <= d.count else { return nil }
            let body = (i + 4)..<(i + 2 + length)
            if marker == 0xE1, body.count >= 14,
               Array(d[body.lowerBound..<(body.lowerBound + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return Array(d[(body.lowerBound + 6)..<body.upperBound])
            }
            i += 2 + length
        }
        return nil
    }
}

/// What a photograph's EXIF says of the camera that took it — the model and the lens's
/// focal length, nothing else (no date, no serial number, no place): `trinocular check`
/// compares them across a 2D series and between two series. Read only; never written out.
public struct ExifCamera: Sendable, Equatable {
    /// The camera model (tag 0x0110), trimmed, at most 64 characters.
    public var model: String?
    /// The focal length (mm, tag 0x920A) and its 35 mm equivalent (tag 0xA405).
    public var focalLengthMm: Double?
    public var focalLength35mm: Double?

    public init(model: String? = nil, focalLengthMm: Double? = nil, focalLength35mm: Double? = nil) {
        self.model = model; self.focalLengthMm = focalLengthMm; self.focalLength35mm = focalLength35mm
    }

    /// nil when the JPEG has no EXIF block or it holds none of the three.
    public static func read(jpeg d: [UInt8]) -> ExifCamera? {
        guard let block = ExifBlock.tiff(jpeg: d), let tiff = TIFFReader(block) else { return nil }
        let t = tiff.bytes
        func u16(_ o: Int) -> Int? { tiff.u16(o) }
        func u32(_ o: Int) -> Int? { tiff.u32(o) }
        /// Each entry of the IFD at `offset`: (tag, type, count, value-or-offset position).
        func entries(_ offset: Int) -> [(tag: Int, type: Int, count: Int, at: Int)] {
            guard let n = u16(offset), n < 1000 else { return [] }
            return (0..<n).compactMap { e in
                let at = offset + 2 + 12 * e
                guard let tag = u16(at), let type = u16(at + 2), let count = u32(at + 4) else { return nil }
                return (tag, type, count, at + 8)
            }
        }
        func rational(_ e: (tag: Int, type: Int, count: Int, at: Int)) -> Double? {
            guard e.type == 5, let o = u32(e.at), let num = u32(o), let den = u32(o + 4), den > 0 else { return nil }
            let v = Double(num) / Double(den)
            return v > 0 && v < 10_000 ? v : nil
        }
        guard let ifd0 = u32(4) else { return nil }
        var camera = ExifCamera()
        for e in entries(ifd0) {
            if e.tag == 0x0110, e.type == 2, e.count > 0, e.count <= 256 {
                let start = e.count <= 4 ? e.at : (u32(e.at) ?? -1)
                guard start >= 0, start + e.count <= t.count else { continue }
                let bytes = t[start..<(start + e.count)].prefix { $0 != 0 }
                let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { camera.model = String(text.prefix(64)) }
            }
            if e.tag == 0x8769, let exif = u32(e.at) {
                for f in entries(exif) {
                    if f.tag == 0x920A { camera.focalLengthMm = rational(f) }
                    if f.tag == 0xA405, f.type == 3, let v = u16(f.at), v > 0 { camera.focalLength35mm = Double(v) }
                }
            }
        }
        return camera == ExifCamera() ? nil : camera
    }
}
