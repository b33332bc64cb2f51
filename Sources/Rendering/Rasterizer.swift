import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism
import Surface

/// What a render shows: the surface lit by a soft headlight and a key light, in one albedo
/// or in the mesh's vertex colours.
public enum SurfaceColouring: String, Sendable, CaseIterable {
    /// Light grey, lit: the shape.
    case shading
    /// The mesh's vertex colours (the photographs' colours a reconstruction carries), lit
    /// softly; grey where the mesh has none.
    case vertex
    /// The photographs mapped onto the mesh (its texture atlas), unlit: they hold the light.
    case texture
}

/// A mesh's texture: its atlas and one image per atlas material, in the atlas's order.
public struct Texture: Sendable {
    public var atlas: TextureAtlas
    public var images: [Image<UInt8>]
    public init(atlas: TextureAtlas, images: [Image<UInt8>]) {
        precondition(images.count == atlas.materials.count, "one image per material")
        self.atlas = atlas; self.images = images
    }
}

/// A perspective camera for rendering: pinhole intrinsics with the lens's distortion when
/// rendering from a rig camera (so that a render lands where the photograph shows the
/// surface), its pose and its image size.
public struct RenderCamera: Sendable {
    public var camera: PinholeCamera
    /// World → camera (mm), OpenCV's frame: x right, y down, z forward.
    public var camFromWorld: RigidTransform
    public init(camera: PinholeCamera, camFromWorld: RigidTransform) { self.camera = camera; self.camFromWorld = camFromWorld }
}

/// A rendered image: colour (RGB), and per pixel the depth along the camera's axis (mm;
/// +∞ where no face) and the face drawn there (−1 where none).
public struct Render: Sendable {
    public var image: Image<UInt8>
    public var depth: [Float]
    public var face: [Int32]
    /// Pixels where a face was drawn.
    public var coveredPixels: Int { face.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// A z-buffer rasterizer on the CPU: vertices projected once (with the camera's distortion),
/// each face filled over the pixel centres inside it, depth and colour interpolated with
/// perspective-correct barycentrics; horizontal bands of the image in parallel.
public enum Rasterizer {
    /// Background grey (0…255).
    public static let background: UInt8 = 255

    /// - Parameter texture: for `.texture` (without it, `.texture` draws shading).
    public static func render(_ mesh: TriangleMesh, from view: RenderCamera, colouring: SurfaceColouring = .shading, texture: Texture? = nil) -> Render {
        let w = view.camera.imageWidth, h = view.camera.imageHeight
        let texture = colouring == .texture ? texture : nil
        let shade = vertexColours(mesh, view: view, colouring: colouring)
        // Each vertex: pixel (u, v) and 1/z, or NaN behind the camera.
        var projected = [SIMD3<Float>](repeating: SIMD3(repeating: .nan), count: mesh.vertices.count)
        for (i, x) in mesh.vertices.enumerated() {
            let c = view.camFromWorld.apply(x)
            guard c.z > 1e-6, let p = view.camera.project(cameraPoint: c) else { continue }
            projected[i] = SIMD3(Float(p.x), Float(p.y), Float(1 / c.z))
        }
        var depth = [Float](repeating: .infinity, count: w * h), face = [Int32](repeating: -1, count: w * h)
        var rgb = [UInt8](repeating: background, count: 3 * w * h)
        let bands = max(1, min(h, 4 * ProcessInfo.processInfo.activeProcessorCount))
        let rowsPerBand = (h + bands - 1) / bands
        // Faces binned by the bands their bounding box touches.
        var bins = [[Int32]](repeating: [], count: bands)
        for (f, t) in mesh.faces.enumerated() {
            let a = projected[Int(t.x)], b = projected[Int(t.y)], c = projected[Int(t.z)]
            guard !a.x.isNaN, !b.x.isNaN, !c.x.isNaN else { continue }
            let top = min(a.y, b.y, c.y), bottom = max(a.y, b.y, c.y)
            guard bottom >= -0.5, top <= Float(h) - 0.5, max(a.x, b.x, c.x) >= -0.5, min(a.x, b.x, c.x) <= Float(w) - 0.5 else { continue }
            let first = max(0, Int((top.rounded(.up))) / rowsPerBand), last = min(bands - 1, Int(bottom.rounded(.down)) / rowsPerBand)
            if first <= last { for k in first...last { bins[k].append(Int32(f)) } }
        }
        let faceBins = bins, vertexPixels = projected
        depth.withUnsafeMutableBufferPointer { dp in
            face.withUnsafeMutableBufferPointer { fp in
                rgb.withUnsafeMutableBufferPointer { cp in
                    let d = UnsafeSendable(dp), fc = UnsafeSendable(fp), col = UnsafeSendable(cp)
                    Parallel.perform(iterations: bands) { k in
                        let rows = (k * rowsPerBand)..<min(h, (k + 1) * rowsPerBand)
                        for f in faceBins[k] {
                            fill(Int(f), mesh.faces[Int(f)], vertexPixels, shade, texture, rows: rows, width: w, depth: d.value, face: fc.value, rgb: col.value)
                        }
                    }
                }
            }
        }
        return Render(image: Image(width: w, height: h, layout: .rgb, pixels: rgb), depth: depth, face: face)
    }

    /// Fills one face over the pixel centres of `rows` inside it (top-left fill rule).
    @inline(__always)
    static func fill(_ f: Int, _ t: SIMD3<Int32>, _ projected: [SIMD3<Float>], _ shade: [SIMD3<Float>], _ texture: Texture?, rows: Range<Int>, width w: Int,
                     depth: UnsafeMutableBufferPointer<Float>, face: UnsafeMutableBufferPointer<Int32>, rgb: UnsafeMutableBufferPointer<UInt8>) {
        let a = projected[Int(t.x)], b = projected[Int(t.y)], c = projected[Int(t.z)]
        let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        guard abs(area) > 1e-12 else { return }
        let x0 = max(0, Int(min(a.x, b.x, c.x).rounded(.up))), x1 = min(w - 1, Int(max(a.x, b.x, c.x).rounded(.down)))
        let y0 = max(rows.lowerBound, Int(min(a.y, b.y, c.y).rounded(.up))), y1 = min(rows.upperBound - 1, Int(max(a.y, b.y, c.y).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        let inv = 1 / area
        let sa = shade[Int(t.x)] * a.z, sb = shade[Int(t.y)] * b.z, sc = shade[Int(t.z)] * c.z
        // Texture coordinates over z, and the face's image, when textured.
        var ua = SIMD2<Float>.zero, ub = SIMD2<Float>.zero, uc = SIMD2<Float>.zero, image: Image<UInt8>?
        if let texture {
            let k = texture.atlas.faceCoordinates[f], q = texture.atlas.coordinates
            ua = q[Int(k.x)] * a.z; ub = q[Int(k.y)] * b.z; uc = q[Int(k.z)] * c.z
            image = texture.images[Int(texture.atlas.faceMaterial[f])]
        }
        for y in y0...y1 {
            let py = Float(y)
            for x in x0...x1 {
                let px = Float(x)
                // Barycentrics from edge functions (the sign of `area` makes either winding work).
                let l0 = ((b.x - px) * (c.y - py) - (b.y - py) * (c.x - px)) * inv
                let l1 = ((c.x - px) * (a.y - py) - (c.y - py) * (a.x - px)) * inv
                let l2 = 1 - l0 - l1
                guard l0 >= 0, l1 >= 0, l2 >= 0 else { continue }
                let invZ = l0 * a.z + l1 * b.z + l2 * c.z
                let z = 1 / invZ, i = y * w + x
                guard z < depth[i] else { continue }
                depth[i] = z; face[i] = Int32(f)
                var s = (l0 * sa + l1 * sb + l2 * sc) * z
                if let image {
                    let uv = (l0 * ua + l1 * ub + l2 * uc) * z
                    s = sample(image, x: uv.x * Float(image.width) - 0.5, y: (1 - uv.y) * Float(image.height) - 0.5)
                }
                rgb[3 * i] = UInt8(min(max(s.x, 0), 255)); rgb[3 * i + 1] = UInt8(min(max(s.y, 0), 255)); rgb[3 * i + 2] = UInt8(min(max(s.z, 0), 255))
            }
        }
    }

    /// The image's colour at (x, y) (pixel centres at whole numbers), bilinear, clamped.
    @inline(__always)
    static func sample(_ image: Image<UInt8>, x: Float, y: Float) -> SIMD3<Float> {
        let w = image.width, h = image.height, c = image.layout.channels
        let fx = min(max(x, 0), Float(w - 1)), fy = min(max(y, 0), Float(h - 1))
        let x0 = min(Int(fx), w - 2 < 0 ? 0 : w - 2), y0 = min(Int(fy), h - 2 < 0 ? 0 : h - 2)
        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1), tx = fx - Float(x0), ty = fy - Float(y0)
        func at(_ x: Int, _ y: Int) -> SIMD3<Float> {
            let j = (y * w + x) * c
            return c >= 3 ? SIMD3(Float(image.pixels[j]), Float(image.pixels[j + 1]), Float(image.pixels[j + 2])) : SIMD3(repeating: Float(image.pixels[j]))
        }
        let top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx, bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx
        return top * (1 - ty) + bottom * ty
    }

    /// Each vertex's lit colour (0…255): albedo × (ambient + a headlight along the view +
    /// a key light from above the camera's left), on both sides of the surface.
    static func vertexColours(_ mesh: TriangleMesh, view: RenderCamera, colouring: SurfaceColouring) -> [SIMD3<Float>] {
        var normals = mesh.normals
        if normals == nil || normals!.count != mesh.vertices.count { var m = mesh; m.recomputeNormals(); normals = m.normals }
        let toWorld = view.camFromWorld.rotation.inverse.matrix
        let eye = view.camFromWorld.targetOriginInSource
        let key = normalize(toWorld * SIMD3(-0.5, -0.7, -0.5))  // towards the light: up-left of the camera
        let grey = SIMD3<Float>(repeating: 200)
        return mesh.vertices.indices.map { i in
            let n = SIMD3<Double>(normals![i])
            let toEye = normalize(eye - mesh.vertices[i])
            let head = abs(dot(n, toEye)), keyLight = abs(dot(n, key))
            if colouring == .vertex, let colours = mesh.colors, colours.count == mesh.vertices.count {
                return SIMD3<Float>(colours[i]) * min(1, Float(0.55 + 0.45 * head))  // soft: the photograph's shading is in the colours
            }
            return grey * Float(0.25 + 0.55 * head + 0.3 * keyLight)
        }
    }
}

/// A buffer handed to parallel workers that write disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: UnsafeMutableBufferPointer<T>
    init(_ value: UnsafeMutableBufferPointer<T>) { self.value = value }
}
