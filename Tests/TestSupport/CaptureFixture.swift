import Foundation
import Geometry
import Imaging
import LinearAlgebra

/// Writes small capture folders for tests: a three-camera rig (VECTRA-like: centre camera
/// plus two at ±15° on a 120 mm baseline), one image per camera, optional capture.json.
public enum CaptureFixture {
    public static let cameraIDs = ["cam0", "cam1", "cam2"]
    public static let width = 64, height = 48

    /// The fixture's rig: cameras converge on a point 600 mm in front of cam0.
    public static func rig(width: Int = width, height: Int = height) -> Rig {
        let angles = [0.0, 15.0, -15.0].map { $0 * .pi / 180 }
        let target = SIMD3<Double>(0, 0, 600)
        return Rig(cameras: zip(cameraIDs, angles).enumerated().map { i, pair in
            let (id, angle) = pair
            let rotation = Rotation(rodrigues: SIMD3(0, angle, 0))
            // Place each camera so that the target stays on its optical axis.
            let t = SIMD3<Double>(0, 0, 600) - rotation.apply(target)
            let pose = i == 0 ? RigidTransform.identity : RigidTransform(rotation: rotation, translation: t)
            return RigCamera(
                id: id,
                camera: PinholeCamera(intrinsics: Intrinsics(fx: 80, fy: 80, cx: Double(width - 1) / 2, cy: Double(height - 1) / 2),
                                      distortion: Distortion(k1: -0.05), imageWidth: width, imageHeight: height),
                camFromWorld: pose)
        }, calibration: .object([("rmsReprojectionPx", .number(0.2))]))
    }

    /// A gray test image of the given size.
    public static func image(width: Int = width, height: Int = height, seed: Int = 0) -> Image<UInt8> {
        Image(width: width, height: height, layout: .gray,
              pixels: (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ seed &* 11) })
    }

    /// Makes a capture folder: rig.json (unless `writeRig` is false), cam0.png, cam1.jpg, cam2.png.
    @discardableResult
    public static func make(in folder: URL, writeRig: Bool = true, manifest: String? = nil) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if writeRig { try rig().write(to: folder.appendingPathComponent("rig.json")) }
        for (i, id) in cameraIDs.enumerated() {
            let ext = i == 1 ? "jpg" : "png"
            try ImageFile.write(image(seed: i), to: folder.appendingPathComponent("\(id).\(ext)"))
        }
        if let manifest { try Data(manifest.utf8).write(to: folder.appendingPathComponent("capture.json")) }
        return folder
    }
}
