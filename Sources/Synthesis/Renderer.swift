import Foundation
import Geometry
import Imaging
import LinearAlgebra
import Parallelism

/// How a view is rendered.
public struct RenderOptions: Sendable, Equatable {
    /// Samples per pixel along each axis (k × k, on a regular grid inside the pixel).
    public var supersampling: Int = 2
    /// Adaptive anti-aliasing at hard edges: a pixel whose k × k samples, or its four
    /// corners, differ by more than `edgeContrast` (0…1 of full scale) is sampled again on
    /// an m × m grid, m this value. A regular k × k grid covers a straight edge in steps of 1/k of a pixel, the
    /// same step all along the edge, so a checkerboard corner found from its edges moves
    /// by up to 1/(2k) px. The m × m samples are jittered inside their cells (seeded per
    /// pixel), so what remains differs along the edge and averages out: with m = 16,
    /// rendered checkerboard corners sit within ~0.01 px of the camera model's, as a
    /// sensor's continuous pixel area would put them. Nil: off (speckled skin has no such
    /// edges).
    public var edgeSupersampling: Int? = nil
    /// Sample spread (0…1) above which `edgeSupersampling` applies.
    public var edgeContrast: Double = 0.05
    /// Gaussian sensor noise, σ in grey levels of 255.
    public var noiseSigma: Double = 1.0
    /// RGB skin tint (multiplies the albedo per channel); nil renders gray.
    public var tint: SIMD3<Double>? = nil
    /// Grey level of pixels that see no surface, 0…1 (a plain, dim backdrop).
    public var background: Double = 0.12
    /// A coloured backdrop instead (RGB 0…1, as the pixel values /255; renders RGB images):
    /// the clinical protocols' light blue is `RenderOptions.lightBlue` (issue 21).
    public var backdrop: SIMD3<Double>? = nil
    /// Feature size of the speckle texture, mm.
    public var featureSize: Double = 1.5
    /// Seeds the texture and the sensor noise.
    public var seed: UInt64 = 1
    /// Seeds the sensor noise alone when set: a repeat of one session (same subject, same
    /// skin, new noise).
    public var noiseSeed: UInt64?
    /// Also compute the depth (z in the camera frame, mm) at every pixel centre.
    public var depth: Bool = false
    /// Light position in the subject frame (mm): above the rig, near the middle camera.
    public var light: SIMD3<Double> = SIMD3(150, -450, -1200)
    /// What real optics and sensors add (weak texture, blur, exposure, white balance,
    /// vignetting); none by default.
    public var degradation = ImageDegradation()

    public init() {}

    /// A plausible skin tint (linear RGB albedo multipliers).
    public static let skinTint = SIMD3<Double>(1.0, 0.78, 0.66)
    /// A photographic light-blue backdrop (150, 190, 230 of 255), as protocols/ asks.
    public static let lightBlue = SIMD3<Double>(150, 190, 230) / 255

    public func validate() throws {
        guard (1...8).contains(supersampling) else { throw SynthesisError.badOption("supersampling must be 1…8, got \(supersampling)") }
        if let m = edgeSupersampling, !(1...32).contains(m) { throw SynthesisError.badOption("edge supersampling must be 1…32, got \(m)") }
        guard noiseSigma >= 0, noiseSigma <= 50 else { throw SynthesisError.badOption("noise σ must be 0…50 grey levels, got \(noiseSigma)") }
        guard (0...1).contains(background) else { throw SynthesisError.badOption("background must be 0…1") }
        if let b = backdrop, ![b.x, b.y, b.z].allSatisfy({ (0...1).contains($0) }) { throw SynthesisError.badOption("backdrop colour must be 0…1 per channel") }
        guard featureSize > 0.05 else { throw SynthesisError.badOption("texture features must be over 0.05 mm") }
        try degradation.validate()
    }
}

/// One rendered camera view.
public struct RenderedView: Sendable {
    public var image: Image<UInt8>
    /// z (camera frame, mm) at each pixel centre, row-major; NaN where no surface is seen.
    public var depth: [Float]?
}

/// Renders a scene through one camera of a synthetic rig, by ray casting.
///
/// Each pixel's rays start from its distorted image coordinates, undistorted by Newton
/// iteration (`Distortion.undistort`) at the pixel centre; sub-pixel samples use the
/// inverse Jacobian there (error below 1e-5 px). Lambertian shading from a point light,
/// the solid speckle texture, Gaussian sensor noise from a counter-based hash of (seed,
/// camera, pixel), so the result is the same bytes whatever the thread split. Rows are
/// rendered in parallel.
public struct Renderer: Sendable {
    public var scene: any SceneSurface
    public var options: RenderOptions
    let texture: SolidTexture

    public init(scene: any SceneSurface, options: RenderOptions) {
        self.scene = scene; self.options = options
        texture = SolidTexture(featureSize: options.featureSize, seed: options.seed)
    }

    /// Renders camera `index` of `rig` (camera poses in the rig's world frame).
    ///
    /// Two passes over parallel row bands. The first casts every pixel-centre ray exactly
    /// (it also gives the depth map). The second shades k × k sub-pixel samples: a pixel
    /// whose centre and 8 neighbours all miss is backdrop; one whose centre meets the
    /// surface head-on (|n·d| > 0.3) with every neighbour on the surface samples the
    /// centre's tangent plane (the surface across a pixel is that plane to ~1e-3 mm, and
    /// the texture is read at the exact 3D point there); any other pixel — silhouettes,
    /// grazing angles — casts every sample in full.
    public func render(_ camera: RigCamera, index: Int, subjectFromWorld: RigidTransform) -> RenderedView {
        let cam = camera.camera
        let w = cam.imageWidth, h = cam.imageHeight
        let channels = options.tint == nil && options.backdrop == nil ? 1 : 3
        let backdrop = options.backdrop ?? SIMD3(repeating: options.background)
        // Camera → subject: the ray origin is the camera centre, directions rotate by Rᵀ.
        let subjectFromCam = subjectFromWorld * camera.camFromWorld.inverse
        let rotation = subjectFromCam.rotation.matrix
        let origin = subjectFromCam.translation
        let k = options.supersampling
        let offsets = (0..<k).map { (Double($0) + 0.5) / Double(k) - 0.5 }
        let m = options.edgeSupersampling ?? 0
        let fineOffsets = (0..<m).map { (Double($0) + 0.5) / Double(m) - 0.5 }
        let tint = options.tint ?? SIMD3(1, 1, 1)
        let noiseSeed = (options.noiseSeed ?? options.seed) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03
        let lightPosition = options.light
        let bands = min(h, 64)

        // Pass 1: pixel centres.
        let rays = SharedBuffer<SIMD2<Double>>(count: w * h, value: SIMD2(.nan, .nan))  // undistorted normalized
        let hits = SharedBuffer<Double>(count: w * h, value: .nan)                        // distance, NaN = miss
        let normals = SharedBuffer<SIMD3<Float>>(count: w * h, value: .zero)
        defer { rays.free(); hits.free(); normals.free() }
        Parallel.perform(iterations: bands) { band in
            for y in (band * h / bands)..<((band + 1) * h / bands) {
                for x in 0..<w {
                    let i = y * w + x
                    guard let n = cam.distortion.undistort(cam.intrinsics.normalized(fromPixel: SIMD2(Double(x), Double(y)))) else { continue }
                    rays.base[i] = n
                    let direction = normalize(rotation * SIMD3(n.x, n.y, 1))
                    if let hit = scene.intersect(origin: origin, direction: direction) {
                        hits.base[i] = hit.distance
                        normals.base[i] = SIMD3<Float>(Float(hit.normal.x), Float(hit.normal.y), Float(hit.normal.z))
                    }
                }
            }
        }

        // Pass 2: sub-pixel samples and shading (linear values 0…1).
        let linear = SharedBuffer<Double>(count: w * h * channels, value: 0)
        defer { linear.free() }
        Parallel.perform(iterations: bands) { band in
            for y in (band * h / bands)..<((band + 1) * h / bands) {
                for x in 0..<w {
                    let i = y * w + x
                    var sum = SIMD3<Double>.zero
                    let n = rays.base[i]
                    if n.x.isNaN {
                        sum = backdrop * Double(k * k)
                    } else {
                        var allMiss = true, allHit = true
                        for dy in -1...1 {
                            for dx in -1...1 {
                                let xx = min(max(x + dx, 0), w - 1), yy = min(max(y + dy, 0), h - 1)
                                if hits.base[yy * w + xx].isNaN { allHit = false } else { allMiss = false }
                            }
                        }
                        let centreDirection = normalize(rotation * SIMD3(n.x, n.y, 1))
                        let centreDistance = hits.base[i]
                        let nf = normals.base[i]
                        let centreNormal = normalize(SIMD3(Double(nf.x), Double(nf.y), Double(nf.z)))
                        let centrePoint = origin + centreDistance * centreDirection
                        let headOn = allHit && dot(centreNormal, centreDirection) < -0.3
                        // Inverse Jacobian of the distortion at n: pixel offsets → normalized.
                        let (jx, jy) = cam.distortion.distortJacobian(n)
                        let det = jx.x * jy.y - jy.x * jx.y
                        let inv0 = SIMD2(jy.y, -jx.y) / det, inv1 = SIMD2(-jy.x, jx.x) / det
                        func sample(_ ox: Double, _ oy: Double) -> SIMD3<Double> {
                            if allMiss { return backdrop }
                            let dd = SIMD2(ox / cam.intrinsics.fx, oy / cam.intrinsics.fy)
                            let sn = n + inv0 * dd.x + inv1 * dd.y
                            let direction = normalize(rotation * SIMD3(sn.x, sn.y, 1))
                            var hit: SurfaceHit?
                            if headOn {
                                let t = dot(centrePoint - origin, centreNormal) / dot(direction, centreNormal)
                                hit = SurfaceHit(distance: t, point: origin + t * direction, normal: centreNormal)
                            } else {
                                hit = scene.intersect(origin: origin, direction: direction, near: centreDistance)
                            }
                            guard let hit else { return backdrop }
                            return shade(hit, lightPosition: lightPosition) * tint
                        }
                        var low = Double.infinity, high = -Double.infinity
                        for oy in offsets {
                            for ox in offsets {
                                let v = sample(ox, oy)
                                sum += v
                                low = min(low, v.x); high = max(high, v.x)
                            }
                        }
                        if !fineOffsets.isEmpty, high - low <= options.edgeContrast {
                            // An edge can pass between the grid and the pixel's border: the
                            // pixel's corners settle whether one does.
                            for oy in [-0.5, 0.5] {
                                for ox in [-0.5, 0.5] {
                                    let v = sample(ox, oy).x
                                    low = min(low, v); high = max(high, v)
                                }
                            }
                        }
                        if !fineOffsets.isEmpty, high - low > options.edgeContrast {
                            // Jittered within each cell (seeded per pixel), so that what is
                            // left of the sampling error differs from pixel to pixel along an
                            // edge instead of adding up.
                            var jitter = SplitMix(seed: noiseSeed ^ (UInt64(i) &* 0xA24B_AED4_963E_E407))
                            let cell = 1 / Double(fineOffsets.count)
                            var fine = SIMD3<Double>.zero
                            for oy in fineOffsets {
                                for ox in fineOffsets {
                                    fine += sample(ox + cell * jitter.uniform(-0.5, 0.5), oy + cell * jitter.uniform(-0.5, 0.5))
                                }
                            }
                            sum = fine * Double(k * k) / Double(fineOffsets.count * fineOffsets.count)
                        }
                    }
                    let value = sum / Double(k * k)
                    for c in 0..<channels { linear.base[i * channels + c] = value[c] }
                }
            }
        }
        // The optics and the sensor: degradations, then noise and quantization.
        if !options.degradation.isIdentity {
            var values = linear.array()
            options.degradation.apply(&values, width: w, height: h, channels: channels, camera: index)
            for j in values.indices { linear.base[j] = values[j] }
        }
        let pixelStore = SharedBuffer<UInt8>(count: w * h * channels, value: 0)
        defer { pixelStore.free() }
        Parallel.perform(iterations: bands) { band in
            for i in (band * h / bands * w)..<((band + 1) * h / bands * w) {
                for c in 0..<channels {
                    let noise = options.noiseSigma > 0 ? options.noiseSigma * gaussianNoise(noiseSeed, UInt64(i * 4 + c)) : 0
                    let v = (linear.base[i * channels + c] * 255 + noise).rounded()
                    pixelStore.base[i * channels + c] = UInt8(min(max(v, 0), 255))
                }
            }
        }

        var depth: [Float]?
        if options.depth {
            // z in the camera frame: distance along the unit ray divided by |(n, 1)|.
            depth = (0..<(w * h)).map { i in
                let d = hits.base[i], n = rays.base[i]
                return d.isNaN ? .nan : Float(d / (n.x * n.x + n.y * n.y + 1).squareRoot())
            }
        }
        return RenderedView(image: Image(width: w, height: h, layout: channels == 1 ? .gray : .rgb, pixels: pixelStore.array()),
                            depth: depth)
    }

    func shade(_ hit: SurfaceHit, lightPosition: SIMD3<Double>) -> Double {
        let toLight = normalize(lightPosition - hit.point)
        let lambert = max(0, dot(hit.normal, toLight))
        return (scene.albedo(at: hit.point) ?? options.degradation.albedo(texture.albedo(hit.point))) * (0.3 + 0.7 * lambert)
    }
}

/// A standard normal value from a counter: (seed, counter) → two hashed uniforms → Box–Muller.
func gaussianNoise(_ seed: UInt64, _ counter: UInt64) -> Double {
    var s = SplitMix(seed: seed ^ (counter &* 0xA076_1D64_78BD_642F))
    return s.gaussian()
}

/// A heap buffer that parallel row bands write into, each its own rows.
final class SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    let count: Int
    init(count: Int, value: T) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: count)
    }
    func array() -> [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
    func free() { base.deallocate() }
}
