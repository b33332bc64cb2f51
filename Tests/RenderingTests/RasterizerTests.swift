import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Pipeline
import Rendering
import Surface
import Synthesis
import TestSupport
import Testing

/// Issue 20, renders: the rasterizer puts a surface where the camera model says it is.
struct RasterizerTests {
    /// A sphere of radius r on a camera's axis at distance d (no distortion) covers the disc
    /// of radius f·r / √(d² − r²) pixels: within 0.5 % (the polygon's own shortfall is 0.03 %).
    @Test func aSpheresSilhouetteHasItsArea() throws {
        for (r, d, f) in [(50.0, 500.0, 2000.0), (80.0, 1000.0, 3000.0), (5.0, 60.0, 1500.0)] {
            let camera = PinholeCamera(intrinsics: Intrinsics(fx: f, fy: f, cx: 511.5, cy: 511.5), imageWidth: 1024, imageHeight: 1024)
            let rig = Rig(cameras: [RigCamera(id: "cam0", camera: camera, camFromWorld: RigidTransform(rotation: .identity, translation: .zero))])
            let mesh = MeshFixtures.sphere(radius: r, centre: SIMD3(0, 0, d), levels: 5)
            let view = try #require(StandardView.camera("cam0").camera(for: mesh, rig: rig, width: 1024, height: 1024))
            let render = Rasterizer.render(mesh, from: view)
            let expected = Double.pi * pow(f * r / (d * d - r * r).squareRoot(), 2)
            #expect(abs(Double(render.coveredPixels) / expected - 1) < 0.005, "r \(r), d \(d): \(render.coveredPixels) px vs \(expected)")
            // The nearest depth drawn is the sphere's front, d − r (within its polygon's sag).
            let nearest = Double(render.depth.min() ?? 0)
            #expect(abs(nearest - (d - r)) < 0.002 * r, "nearest \(nearest) vs \(d - r)")
        }
    }

    /// The standard views frame the whole mesh and turn the way their names say: the left
    /// view sees the subject's left (cam0's +x side).
    @Test func standardViewsFrameTheMeshAndFaceTheirSide() throws {
        let mesh = MeshFixtures.sphere(radius: 50, centre: SIMD3(0, 0, 1000), levels: 3)
        for (name, view) in StandardView.named {
            let camera = try #require(view.camera(for: mesh, rig: nil, width: 256, height: 256))
            let render = Rasterizer.render(mesh, from: camera)
            // The whole sphere in the frame: no drawn pixel on the border, a good share covered.
            var border = 0
            for i in 0..<256 { for j in [0, 255] { if render.face[i * 256 + j] >= 0 || render.face[j * 256 + i] >= 0 { border += 1 } } }
            #expect(border == 0 && render.coveredPixels > 256 * 256 / 5, "\(name): \(render.coveredPixels) px, \(border) on the border")
        }
        let left = try #require(StandardView.left.camera(for: mesh, rig: nil, width: 64, height: 64))
        #expect(left.camFromWorld.targetOriginInSource.x > 200, "the left view's eye is on +x: \(left.camFromWorld.targetOriginInSource)")
        let top = try #require(StandardView.top.camera(for: mesh, rig: nil, width: 64, height: 64))
        #expect(top.camFromWorld.targetOriginInSource.y < -200, "the top view's eye is above (−y): \(top.camFromWorld.targetOriginInSource)")
    }

    /// A reconstruction of a synthetic capture, rendered with its texture from a rig camera
    /// (lens included), lands on the subject in that camera's photograph (≥ 99 % of the drawn
    /// pixels have surface there) and looks like it (ZNCC ≥ 0.9 over them).
    @Test func aReconstructionRenderedFromARigCameraLandsOnItsPhotograph() throws {
        let synthetic = try SyntheticFixtures.capture(.mounds, scale: 0.25, noise: 1, depth: true)
        let result = try synthetic.withTemporaryFolder("render-capture") { try Reconstructor.run(try Capture(folder: $0)) }
        let mesh = try #require(result.mesh), atlas = try #require(result.atlas)
        let texture = Texture(atlas: atlas, images: try atlas.materials.map { try #require(result.textures[$0]) })
        let rig = synthetic.rig.rig
        for k in rig.cameras.indices {
            let photo = synthetic.views[k]
            let view = try #require(StandardView.camera(rig.cameras[k].id).camera(for: mesh, rig: rig, width: photo.image.width, height: photo.image.height))
            let render = Rasterizer.render(mesh, from: view, colouring: .texture, texture: texture)
            let depth = try #require(photo.depth)
            let gray = photo.image.grayscale().pixels
            var drawn = 0, onSubject = 0, a: [Double] = [], b: [Double] = []
            for i in render.face.indices where render.face[i] >= 0 {
                drawn += 1
                if !depth[i].isNaN { onSubject += 1 }
                let c = render.image.pixels[(3 * i)..<(3 * i + 3)].map(Double.init)
                a.append((c[0] + c[1] + c[2]) / 3); b.append(Double(gray[i]))
            }
            let zncc = TestSupport.zncc(a, b)
            if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
                print(String(format: "FIGURE render %@: %d px drawn, %.2f %% on the subject, ZNCC %.3f", rig.cameras[k].id, drawn, 100 * Double(onSubject) / Double(drawn), zncc))
            }
            #expect(drawn > photo.image.width * photo.image.height / 10)
            #expect(Double(onSubject) >= 0.99 * Double(drawn), "\(rig.cameras[k].id): \(onSubject) of \(drawn) drawn pixels on the subject")
            #expect(zncc >= 0.9, "\(rig.cameras[k].id): ZNCC \(zncc)")
        }
    }
}
