import Foundation
import Metrology
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

    /// The full-density mesh (0.75 mm grid, ~2.4 M faces: `--full-mesh`).
    static let mesh: TriangleMesh = {
        var options = MeshingOptions()
        options.simplification = nil
        return SurfaceMesher.mesh(positions: cloud.positions, normals: cloud.normals, colors: cloud.colors, options: options).mesh
    }()
}

/// Landmarks on that mesh: a loop of 12 round the right mound (72 mm from its top towards the
/// other mound, 80 mm outward, 90 mm up and down) and two ends of a 150 mm path over it.
enum MetrologyInputs {
    static let worldFromSubject = try! SyntheticRig(SyntheticRigOptions()).worldFromSubject
    static func point(theta: Double, y: Double) -> SIMD3<Double> {
        let scene = MoundsScene()
        var h = 0.0
        for m in scene.mounds {
            let u = scene.radius * (theta - m.theta), v = y - m.y
            h += m.amplitude * exp(-(u * u + v * v) / (2 * m.sigma * m.sigma))
        }
        let rho = scene.radius + h
        return worldFromSubject.apply(SIMD3(rho * sin(theta), y, -rho * cos(theta)))
    }
    static let loop: [Landmarks.Landmark] = {
        let m = MoundsScene().mounds[0], mesh = MeshInputs.mesh
        return (0..<12).map { k in
            let a = 2 * Double.pi * Double(k) / 12, du = cos(a), dv = sin(a)
            let r = du > 0.3 ? 72.0 : (du < -0.3 ? 80.0 : 90.0)
            return Landmarks.Landmark(name: "r\(k)", nearest: point(theta: m.theta + r * du / 150, y: m.y + r * dv), on: mesh)
        }
    }()
    static let ends: (Landmarks.Landmark, Landmarks.Landmark) = {
        let m = MoundsScene().mounds[0], mesh = MeshInputs.mesh
        return (Landmarks.Landmark(name: "a", nearest: point(theta: m.theta - 0.3, y: m.y - 40), on: mesh),
                Landmarks.Landmark(name: "b", nearest: point(theta: m.theta + 0.4, y: m.y + 50), on: mesh))
    }()
}
