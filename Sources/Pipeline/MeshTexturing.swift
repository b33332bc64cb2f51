import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Surface

/// Paints a mesh from the capture's photographs: each face takes the camera that sees it
/// most squarely among those that see it at all (all three corners inside the image, not
/// hidden behind another part of the mesh), and its corners' pixels in that camera become
/// its texture coordinates. The textures are the camera images themselves.
public enum MeshTexturing {
    /// Depth-buffer resolution as a fraction of the image's (occlusion only needs coarse depth).
    static let bufferScale = 0.25
    /// A face counts as visible when its centre lies within this (mm) of the nearest surface
    /// the camera sees there.
    static let depthTolerance = 3.0

    /// The atlas for `mesh` (world frame, mm) from `rig`'s cameras: materials are named
    /// after the camera ids (`cam0` …), texture files `texture-<id>.jpg`; only cameras that
    /// paint some face are listed. Faces no camera sees (filled holes) take the camera that
    /// faces them best, their coordinates clamped to the image.
    public static func atlas(for mesh: TriangleMesh, rig: Rig) -> TextureAtlas {
        let cameras = rig.cameras
        // Camera-frame positions and pixels of every vertex, per camera.
        var pixels: [[SIMD2<Double>?]] = [], depths: [[Double]] = []
        for c in cameras {
            var px = [SIMD2<Double>?](repeating: nil, count: mesh.vertices.count), z = [Double](repeating: .nan, count: mesh.vertices.count)
            for (i, v) in mesh.vertices.enumerated() {
                let p = c.camFromWorld.apply(v)
                guard p.z > 0 else { continue }
                z[i] = p.z
                if let q = c.camera.project(cameraPoint: p), q.x >= 0, q.y >= 0,
                   q.x <= Double(c.camera.imageWidth - 1), q.y <= Double(c.camera.imageHeight - 1) { px[i] = q }
            }
            pixels.append(px); depths.append(z)
        }
        let buffers = cameras.indices.map { depthBuffer(mesh, pixels: pixels[$0], depths: depths[$0], camera: cameras[$0].camera) }
        var faceCamera = [Int](repeating: -1, count: mesh.faces.count)
        for (i, f) in mesh.faces.enumerated() {
            let a = mesh.vertices[Int(f.x)], b = mesh.vertices[Int(f.y)], c = mesh.vertices[Int(f.z)]
            let n = cross(b - a, c - a), centre = (a + b + c) / 3
            let ln = length(n)
            guard ln > 0 else { continue }
            var best = -1, bestCos = -2.0, fallback = -1, fallbackCos = -2.0
            for k in cameras.indices {
                let toCamera = cameras[k].centre - centre
                let cosine = dot(n, toCamera) / (ln * length(toCamera))
                guard cosine > 0 else { continue }
                if cosine > fallbackCos { fallbackCos = cosine; fallback = k }
                guard let pa = pixels[k][Int(f.x)], let pb = pixels[k][Int(f.y)], let pc = pixels[k][Int(f.z)] else { continue }
                let p = (pa + pb + pc) / 3
                let z = (depths[k][Int(f.x)] + depths[k][Int(f.y)] + depths[k][Int(f.z)]) / 3
                guard buffers[k].visible(pixel: p, depth: z) else { continue }
                if cosine > bestCos { bestCos = cosine; best = k }
            }
            faceCamera[i] = best >= 0 ? best : fallback
        }
        // Coordinates shared per (vertex, camera); materials only for cameras in use.
        var used = [Int](repeating: -1, count: cameras.count)
        var materials: [String] = [], files: [String] = []
        var coordinates: [SIMD2<Float>] = [], index: [Int64: Int32] = [:]
        var faceCoordinates = [SIMD3<Int32>](repeating: .zero, count: mesh.faces.count), faceMaterial = [Int32](repeating: 0, count: mesh.faces.count)
        for (i, f) in mesh.faces.enumerated() {
            let k = max(faceCamera[i], 0)
            if used[k] < 0 { used[k] = materials.count; materials.append(cameras[k].id); files.append("texture-\(cameras[k].id).jpg") }
            faceMaterial[i] = Int32(used[k])
            var t = SIMD3<Int32>.zero
            for j in 0..<3 {
                let v = Int(f[j]), key = Int64(v) * Int64(cameras.count) + Int64(k)
                if let existing = index[key] { t[j] = existing; continue }
                let camera = cameras[k].camera
                var p = pixels[k][v] ?? cameras[k].camera.project(mesh.vertices[v], camFromWorld: cameras[k].camFromWorld) ?? SIMD2(0, 0)
                p = SIMD2(min(max(p.x, 0), Double(camera.imageWidth - 1)), min(max(p.y, 0), Double(camera.imageHeight - 1)))
                // Pixel centres: u = (x + 0.5) / w; v up from the bottom row.
                coordinates.append(SIMD2(Float((p.x + 0.5) / Double(camera.imageWidth)), Float(1 - (p.y + 0.5) / Double(camera.imageHeight))))
                let id = Int32(coordinates.count - 1)
                index[key] = id; t[j] = id
            }
            faceCoordinates[i] = t
        }
        return TextureAtlas(materials: materials, textureFiles: files, coordinates: coordinates, faceCoordinates: faceCoordinates, faceMaterial: faceMaterial)
    }

    /// Nearest depth (camera z, mm) per coarse pixel, the mesh rasterized into it.
    struct DepthBuffer {
        var width: Int, height: Int, scale: Double
        var depth: [Float]

        func visible(pixel p: SIMD2<Double>, depth z: Double) -> Bool {
            let x = Int(p.x * scale), y = Int(p.y * scale)
            guard x >= 0, y >= 0, x < width, y < height else { return false }
            return z <= Double(depth[y * width + x]) + MeshTexturing.depthTolerance
        }
    }

    static func depthBuffer(_ mesh: TriangleMesh, pixels: [SIMD2<Double>?], depths: [Double], camera: PinholeCamera) -> DepthBuffer {
        let s = bufferScale
        let w = max(1, Int(Double(camera.imageWidth) * s)), h = max(1, Int(Double(camera.imageHeight) * s))
        var depth = [Float](repeating: .infinity, count: w * h)
        for f in mesh.faces {
            guard let a0 = pixels[Int(f.x)], let b0 = pixels[Int(f.y)], let c0 = pixels[Int(f.z)] else { continue }
            let a = a0 * s, b = b0 * s, c = c0 * s
            let za = depths[Int(f.x)], zb = depths[Int(f.y)], zc = depths[Int(f.z)]
            let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
            let x0 = max(0, Int(min(a.x, b.x, c.x))), x1 = min(w - 1, Int(max(a.x, b.x, c.x)))
            let y0 = max(0, Int(min(a.y, b.y, c.y))), y1 = min(h - 1, Int(max(a.y, b.y, c.y)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    // The cell's centre in coarse pixel coordinates (a cell spans [x, x + 1)).
                    let px = Double(x) + 0.5, py = Double(y) + 0.5
                    var z = min(za, zb, zc)
                    if abs(area) > 1e-12 {
                        let l1 = ((c.x - b.x) * (py - b.y) - (c.y - b.y) * (px - b.x)) / area
                        let l2 = ((a.x - c.x) * (py - c.y) - (a.y - c.y) * (px - c.x)) / area
                        let l3 = 1 - l1 - l2
                        // Tiny faces cover few cell centres: take their nearest corner for their own cell.
                        if l1 < 0 || l2 < 0 || l3 < 0 {
                            if !(x == Int((a.x + b.x + c.x) / 3) && y == Int((a.y + b.y + c.y) / 3)) { continue }
                        } else {
                            z = l1 * za + l2 * zb + l3 * zc
                        }
                    }
                    let k = y * w + x
                    if Float(z) < depth[k] { depth[k] = Float(z) }
                }
            }
        }
        return DepthBuffer(width: w, height: h, scale: s, depth: depth)
    }
}
