import Foundation
import Pipeline
import Surface
import Synthesis

/// The fused cloud of a 3 × 5 MP capture (the mounds scene through the default arc, noise
/// σ 1.5, reconstructed end to end) and its mesh, made on first use (~20 s).
enum MeshInputs {
    static let cloud: (positions: [SIMD3<Float>], normals: [SIMD3<Float>], colors: [SIMD3<UInt8>]) = {
        var spec = CaptureSpec(scene: .mounds)
        spec.render.noiseSigma = 1.5
        let capture = try! SyntheticCapture(spec)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-benchmark-mesh-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try! capture.write(to: folder)
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(atPath: folder.path + ".truth.json")
        }
        var options = ReconstructionOptions()
        options.meshing = nil
        let cloud = try! Reconstructor.run(try! Capture(folder: folder), options: options).cloud
        return (cloud.positions, cloud.normals, cloud.colors)
    }()

    static let mesh: TriangleMesh = SurfaceMesher.mesh(positions: cloud.positions, normals: cloud.normals, colors: cloud.colors).mesh
}
