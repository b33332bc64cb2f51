import Foundation
import Interchange
import LinearAlgebra

/// A rig file could not be read: names the file, the place in it and what is wrong.
public struct RigFileError: TrinocularError, Equatable {
    public var fault: Fault { .badInput }
    /// The file's path as given.
    public var file: String
    /// Where in the file, as a JSON path (`cameras[1].intrinsics.fx`), or empty.
    public var location: String
    public var problem: String

    public init(file: String, location: String = "", problem: String) {
        self.file = file; self.location = location; self.problem = problem
    }

    public var description: String {
        location.isEmpty ? "\(file): \(problem)" : "\(file): \(location): \(problem)"
    }
}

extension Rig {
    /// The format tag of the current rig file version.
    public static let formatTag = "trinocular.rig/1"
    /// The largest image a camera may declare: 200 megapixels.
    public static let maximumPixels = 200_000_000
    /// Tolerance on max |RᵀR − I| for a rotation read from a file.
    public static let rotationTolerance = 1e-5

    /// Reads a `trinocular.rig/1` file (contract: shared/docs/contract.md, "Rig file").
    /// Unknown keys are ignored. - Throws: `RigFileError` naming the file and the problem.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try InputLimits.read(url, what: "a rig file") } catch let e as FileProblem {
            throw RigFileError(file: url.path, problem: "cannot read the rig file (\(e.problem))")
        }
        try self.init(json: data, file: url.path)
    }

    /// Parses rig JSON; `file` names the source in errors.
    public init(json data: Data, file: String = "rig.json") throws {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch {
            throw RigFileError(file: file, problem: "not valid JSON (\(error))")
        }
        var reader = JSONReader(file: file)
        let top = try reader.object(root, at: "")
        let format = try reader.string(top["format"], at: "format")
        guard format == Rig.formatTag else {
            throw RigFileError(file: file, location: "format",
                               problem: "is \"\(format.excerpt())\"; this version reads \"\(Rig.formatTag)\"")
        }
        if let units = top["units"] {
            let u = try reader.string(units, at: "units")
            guard u == "mm" else { throw RigFileError(file: file, location: "units", problem: "is \"\(u.excerpt())\"; rig files are in \"mm\"") }
        }
        let cameraValues = try reader.array(top["cameras"], at: "cameras")
        guard !cameraValues.isEmpty else { throw RigFileError(file: file, location: "cameras", problem: "is empty; a rig needs at least one camera") }
        var cameras: [RigCamera] = []
        for (i, value) in cameraValues.enumerated() {
            let at = "cameras[\(i)]"
            let camera = try reader.camera(value, at: at)
            if cameras.contains(where: { $0.id == camera.id }) {
                throw RigFileError(file: file, location: "\(at).id", problem: "camera id \"\(camera.id)\" appears twice")
            }
            cameras.append(camera)
        }
        try Rig.checkBaselines(cameras, file: file)
        var calibration: JSONValue?
        if let c = top["calibration"], c != .null {
            _ = try reader.object(c, at: "calibration")
            calibration = c
        }
        self.init(cameras: cameras, calibration: calibration)
    }

    /// The rig as a `trinocular.rig/1` JSON document, keys in the contract's order.
    public var json: JSONValue {
        var top: [(String, JSONValue)] = [
            ("format", .string(Rig.formatTag)),
            ("units", "mm"),
            ("cameras", .array(cameras.map { c in
                let k = c.camera.intrinsics, t = c.camFromWorld.translation
                return .object([
                    ("id", .string(c.id)),
                    ("imageSize", .ints([c.camera.imageWidth, c.camera.imageHeight])),
                    ("intrinsics", .object([("fx", .number(k.fx)), ("fy", .number(k.fy)),
                                            ("cx", .number(k.cx)), ("cy", .number(k.cy))])),
                    ("distortion", .numbers(c.camera.distortion.coefficients)),
                    ("R", .numbers(c.camFromWorld.rotation.matrix.rowMajor)),
                    ("t", .numbers([t.x, t.y, t.z])),
                ])
            })),
        ]
        if let calibration { top.append(("calibration", calibration)) }
        return .object(top)
    }

    /// The rig file's bytes (pretty-printed UTF-8 JSON).
    public func jsonData() -> Data { json.data() }

    /// Writes the rig file atomically (0600, temporary name, fsync, rename).
    public func write(to url: URL) throws {
        do { try PrivateFile.write(Array(jsonData()), to: url) } catch {
            throw RigFileError(file: url.path, problem: "cannot write the rig file (\(error))")
        }
    }

    static func reason(_ error: Error) -> String { (error as NSError).localizedDescription }

    /// Two cameras at one place see no depth: refused, naming them. "One place" is relative
    /// to the rig's size (centres within 10⁻⁹ of the farthest centre from the origin), so
    /// it holds for a rig in millimetres at any scale.
    static func checkBaselines(_ cameras: [RigCamera], file: String) throws {
        let centres = cameras.map { c -> SIMD3<Double> in
            let r = c.camFromWorld.rotation.matrix, t = c.camFromWorld.translation
            return -(r.transposed * t)
        }
        let extent = centres.map { ($0 * $0).sum().squareRoot() }.max() ?? 0
        for i in centres.indices {
            for j in centres.indices where j > i {
                let d = centres[i] - centres[j]
                if (d * d).sum().squareRoot() <= 1e-9 * extent {
                    throw RigFileError(file: file, location: "cameras[\(j)].t",
                                       problem: "cameras \(cameras[i].id) and \(cameras[j].id) are at the same position: a stereo pair needs a baseline (check R and t: x_cam = R·x_world + t)")
                }
            }
        }
    }
}

/// Reads typed values out of a JSON tree with errors that name the place.
private struct JSONReader {
    let file: String

    func fail(_ at: String, _ problem: String) -> RigFileError {
        RigFileError(file: file, location: at, problem: problem)
    }

    func object(_ v: JSONValue?, at: String) throws -> JSONValue {
        guard let v else { throw fail(at, "is missing") }
        guard v.pairs != nil else { throw fail(at.isEmpty ? "top level" : at, "must be an object, found \(v.typeName)") }
        return v
    }

    func array(_ v: JSONValue?, at: String) throws -> [JSONValue] {
        guard let v else { throw fail(at, "is missing") }
        guard let a = v.array else { throw fail(at, "must be an array, found \(v.typeName)") }
        return a
    }

    func string(_ v: JSONValue?, at: String) throws -> String {
        guard let v else { throw fail(at, "is missing") }
        guard let s = v.string else { throw fail(at, "must be a string, found \(v.typeName)") }
        return s
    }

    func number(_ v: JSONValue?, at: String) throws -> Double {
        guard let v else { throw fail(at, "is missing") }
        guard let d = v.number else { throw fail(at, "must be a number, found \(v.typeName)") }
        guard d.isFinite else { throw fail(at, "must be finite") }
        return d
    }

    func numbers(_ v: JSONValue?, count: Int, at: String) throws -> [Double] {
        let a = try array(v, at: at)
        guard a.count == count else { throw fail(at, "must hold \(count) numbers, found \(a.count)") }
        return try a.enumerated().map { try number($0.element, at: "\(at)[\($0.offset)]") }
    }

    func camera(_ v: JSONValue, at: String) throws -> RigCamera {
        let o = try object(v, at: at)
        let id = try string(o["id"], at: "\(at).id")
        guard RigCamera.isValidID(id) else {
            throw fail("\(at).id", "\"\(id.excerpt())\" is not a camera id: use 1–64 letters, digits, '-' or '_'")
        }
        let size = try numbers(o["imageSize"], count: 2, at: "\(at).imageSize")
        guard size.allSatisfy({ $0 >= 1 && $0 == $0.rounded() && $0 <= 1_000_000 }) else {
            throw fail("\(at).imageSize", "must be two positive whole numbers of pixels, found \(size)")
        }
        let width = Int(size[0]), height = Int(size[1])
        guard width * height <= Rig.maximumPixels else {
            throw fail("\(at).imageSize", "\(width)×\(height) is over the \(Rig.maximumPixels / 1_000_000)-megapixel limit")
        }
        let k = try object(o["intrinsics"], at: "\(at).intrinsics")
        let fx = try number(k["fx"], at: "\(at).intrinsics.fx"), fy = try number(k["fy"], at: "\(at).intrinsics.fy")
        let cx = try number(k["cx"], at: "\(at).intrinsics.cx"), cy = try number(k["cy"], at: "\(at).intrinsics.cy")
        guard fx > 0, fy > 0 else { throw fail("\(at).intrinsics", "focal lengths fx, fy must be positive (pixels)") }
        var distortion = Distortion.none
        if let d = o["distortion"] {
            let a = try array(d, at: "\(at).distortion")
            guard a.count <= 5 else {
                throw fail("\(at).distortion", "OpenCV's model has 5 coefficients [k1, k2, p1, p2, k3], found \(a.count)")
            }
            distortion = Distortion(try a.enumerated().map { try number($0.element, at: "\(at).distortion[\($0.offset)]") })
        }
        let r = Matrix3x3(rowMajor: try numbers(o["R"], count: 9, at: "\(at).R"))
        let error = Rotation.orthonormalityError(r)
        guard let rotation = Rotation(r, tolerance: Rig.rotationTolerance) else {
            throw fail("\(at).R", "is not a rotation (max |RᵀR − I| = \(error), det = \(r.determinant)); store R row-major, x_cam = R·x_world + t")
        }
        let t = try numbers(o["t"], count: 3, at: "\(at).t")
        return RigCamera(
            id: id,
            camera: PinholeCamera(intrinsics: Intrinsics(fx: fx, fy: fy, cx: cx, cy: cy), distortion: distortion,
                                  imageWidth: width, imageHeight: height),
            camFromWorld: RigidTransform(rotation: rotation, translation: SIMD3(t[0], t[1], t[2])))
    }
}
