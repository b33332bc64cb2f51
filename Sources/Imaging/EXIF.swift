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
                return orientation(tiff: Array(d[(body.lowerBound + 6)..<body.upperBound]))
            }
            i += 2 + length
        }
        return nil
    }

    /// Orientation from a TIFF structure (the body of an EXIF block after "Exif\0\0").
    static func orientation(tiff t: [UInt8]) -> ExifOrientation? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd), count < 1000 else { return nil }
        for e in 0..<count {
            let entry = ifd + 2 + 12 * e
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3, let value = u16(entry + 8) else { return nil }  // type SHORT
                return ExifOrientation(rawValue: value)
            }
        }
        return nil
    }
}
