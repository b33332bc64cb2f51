import Foundation
import Geometry
import LinearAlgebra
import Pipeline
import Surface
import Synthesis
import Testing

/// Texture coordinates point at the right pixels, and a face hidden from a camera behind
/// another part of the mesh is not painted from that camera.
@Suite struct MeshTexturingTests {
    /// A sphere's mesh (world frame, mm) from points on a Fibonacci lattice.
    static func sphere(centre: SIMD3<Double>, radius: Double, spacing: Double) -> TriangleMesh {
        let count = Int(4 * Double.pi * radius * radius / (0.25 * spacing * spacing))
        var p: [SIMD3<Float>] = [], n: [SIMD3<Float>] = []
        let golden = Double.pi * (3 - 5.0.squareRoot())
        for i in 0..<count {
            let z = 1 - 2 * (Double(i) + 0.5) / Double(count), r = (1 - z * z).squareRoot(), phi = Double(i) * golden
            let u = SIMD3(r * cos(phi), r * sin(phi), z)
            p.append(SIMD3<Float>(centre + radius * u)); n.append(SIMD3<Float>(u))
        }
        var options = MeshingOptions()
        options.spacing = spacing
        return SurfaceMesher.mesh(positions: p, normals: n, options: options).mesh
    }

    @Test func coordinatesProjectAndOccludedFacesUseAnotherCamera() throws {
        var rigOptions = SyntheticRigOptions()
        rigOptions.scale = 0.25
        let synthetic = try SyntheticRig(rigOptions)
        let rig = synthetic.rig
        // A large sphere at the subject's centre and a small one between it and the rig.
        let big = synthetic.worldFromSubject.apply(SIMD3(0, 0, 0)), small = synthetic.worldFromSubject.apply(SIMD3(0, 0, -250))
        let a = Self.sphere(centre: big, radius: 100, spacing: 5), b = Self.sphere(centre: small, radius: 30, spacing: 5)
        let offset = Int32(a.vertices.count)
        let mesh = TriangleMesh(vertices: a.vertices + b.vertices, faces: a.faces + b.faces.map { $0 &+ offset })
        let atlas = MeshTexturing.atlas(for: mesh, rig: rig)
        #expect(atlas.faceCoordinates.count == mesh.faces.count && atlas.materials.allSatisfy { $0.hasPrefix("cam") })
        var checked = 0, hiddenFromCentre = 0
        for (i, f) in mesh.faces.enumerated() {
            let camera = rig.cameras.first { $0.id == atlas.materials[Int(atlas.faceMaterial[i])] }!
            let corners = [f.x, f.y, f.z].map { mesh.vertices[Int($0)] }
            let centroid = (corners[0] + corners[1] + corners[2]) / 3
            let normal = cross(corners[1] - corners[0], corners[2] - corners[0])
            // Faces that no camera faces (the spheres' far sides) have no right answer.
            guard rig.cameras.contains(where: { dot(normal, $0.centre - centroid) > 0 }) else { continue }
            #expect(dot(normal, camera.centre - centroid) > 0, "face \(i) painted from a camera behind it")
            // The coordinates are the corners' pixels (u = (x + 0.5)/w, v = 1 − (y + 0.5)/h).
            for k in 0..<3 {
                guard let px = camera.camera.project(corners[k], camFromWorld: camera.camFromWorld) else { continue }
                let t = atlas.coordinates[Int(atlas.faceCoordinates[i][k])]
                let w = Double(camera.camera.imageWidth), h = Double(camera.camera.imageHeight)
                if px.x >= 0, px.y >= 0, px.x <= w - 1, px.y <= h - 1 {
                    #expect(abs(Double(t.x) * w - 0.5 - px.x) < 0.01 && abs((1 - Double(t.y)) * h - 0.5 - px.y) < 0.01)
                    checked += 1
                }
            }
            // Faces of the large sphere the small one hides from the centre camera (cam1).
            guard i < a.faces.count else { continue }
            let eye = rig.cameras[1].centre, ray = centroid - eye
            let s = max(0, min(1, dot(small - eye, ray) / dot(ray, ray)))
            if length(eye + s * ray - small) < 30 - 3 {
                hiddenFromCentre += 1
                #expect(camera.id != "cam1", "face \(i) is hidden from cam1 by the small sphere but painted from it")
            }
        }
        #expect(checked > mesh.faces.count / 2 && hiddenFromCentre > 100, "\(checked) corners checked, \(hiddenFromCentre) hidden faces")
    }
}
