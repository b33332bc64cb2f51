/// How the channels of a pixel are laid out, interleaved in this order.
public enum ChannelLayout: Int, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case gray = 1
    case grayAlpha = 2
    case rgb = 3
    case rgba = 4

    /// Channels per pixel.
    public var channels: Int { rawValue }
    public var hasAlpha: Bool { self == .grayAlpha || self == .rgba }
    public var isColor: Bool { self == .rgb || self == .rgba }

    public var description: String {
        switch self {
        case .gray: return "gray"
        case .grayAlpha: return "gray+alpha"
        case .rgb: return "RGB"
        case .rgba: return "RGBA"
        }
    }
}

/// A type an image channel may be stored as: `UInt8`, `UInt16` or `Float` (0…1).
public protocol ImageComponent: Sendable, Equatable, Hashable {
    /// The channel value as a fraction of full scale, 0…1 (Float channels pass through).
    var unitValue: Float { get }
    /// The channel value nearest to a fraction of full scale, clamped to 0…1 for integers.
    init(unitValue: Float)
    static var zero: Self { get }
    /// Bits per channel (8, 16 or 32).
    static var bitDepth: Int { get }
}

extension UInt8: ImageComponent {
    @inlinable public var unitValue: Float { Float(self) * (1 / 255) }
    @inlinable public init(unitValue v: Float) {
        self = UInt8((Swift.min(Swift.max(v, 0), 1) * 255).rounded())
    }
    public static var bitDepth: Int { 8 }
}

extension UInt16: ImageComponent {
    @inlinable public var unitValue: Float { Float(self) * (1 / 65535) }
    @inlinable public init(unitValue v: Float) {
        self = UInt16((Swift.min(Swift.max(v, 0), 1) * 65535).rounded())
    }
    public static var bitDepth: Int { 16 }
}

extension Float: ImageComponent {
    @inlinable public var unitValue: Float { self }
    @inlinable public init(unitValue v: Float) { self = v }
    public static var bitDepth: Int { 32 }
}

/// A raster image: `width × height` pixels, row-major from the top-left, each pixel's
/// channels interleaved as `layout` says. Pixel (x, y) channel c is at
/// `pixels[(y * width + x) * layout.channels + c]`. Pixel (0, 0) is the top-left pixel,
/// whose centre is at image coordinates (0, 0) (docs/conventions.md).
public struct Image<Component: ImageComponent>: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let layout: ChannelLayout
    /// Interleaved channel values, `width * height * layout.channels` of them.
    public var pixels: [Component]

    /// An image from its pixel buffer. - Precondition: the buffer's size fits.
    public init(width: Int, height: Int, layout: ChannelLayout, pixels: [Component]) {
        precondition(width >= 0 && height >= 0, "image dimensions must be non-negative")
        precondition(pixels.count == width * height * layout.channels,
                     "a \(width)×\(height) \(layout) image needs \(width * height * layout.channels) values, got \(pixels.count)")
        self.width = width; self.height = height; self.layout = layout; self.pixels = pixels
    }

    /// An image filled with one value.
    public init(width: Int, height: Int, layout: ChannelLayout, repeating value: Component = .zero) {
        self.init(width: width, height: height, layout: layout,
                  pixels: Array(repeating: value, count: width * height * layout.channels))
    }

    public var pixelCount: Int { width * height }

    /// Channel `channel` of pixel (x, y).
    @inlinable
    public subscript(x: Int, y: Int, channel: Int) -> Component {
        get { pixels[(y * width + x) * layout.channels + channel] }
        set { pixels[(y * width + x) * layout.channels + channel] = newValue }
    }

    /// Maps every channel value to another component type.
    @inlinable
    public func map<T: ImageComponent>(_ transform: (Component) -> T) -> Image<T> {
        Image<T>(width: width, height: height, layout: layout, pixels: pixels.map(transform))
    }
}

// MARK: Conversions

extension Image {
    /// Luma by ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, as OpenCV's RGB→gray);
    /// alpha is dropped. A gray image is returned as it is.
    public func grayscale() -> Image<Component> {
        switch layout {
        case .gray: return self
        case .grayAlpha:
            var out = [Component](); out.reserveCapacity(pixelCount)
            for i in 0..<pixelCount { out.append(pixels[2 * i]) }
            return Image(width: width, height: height, layout: .gray, pixels: out)
        case .rgb, .rgba:
            let n = layout.channels
            var out = [Component](); out.reserveCapacity(pixelCount)
            pixels.withUnsafeBufferPointer { p in
                for i in 0..<pixelCount {
                    let y = 0.299 * p[n * i].unitValue + 0.587 * p[n * i + 1].unitValue + 0.114 * p[n * i + 2].unitValue
                    out.append(Component(unitValue: y))
                }
            }
            return Image(width: width, height: height, layout: .gray, pixels: out)
        }
    }

    /// RGB: gray is replicated into three channels; alpha is dropped.
    public func rgb() -> Image<Component> {
        switch layout {
        case .rgb: return self
        case .gray, .grayAlpha:
            let n = layout.channels
            var out = [Component](); out.reserveCapacity(3 * pixelCount)
            for i in 0..<pixelCount { let g = pixels[n * i]; out.append(g); out.append(g); out.append(g) }
            return Image(width: width, height: height, layout: .rgb, pixels: out)
        case .rgba:
            var out = [Component](); out.reserveCapacity(3 * pixelCount)
            for i in 0..<pixelCount { out.append(pixels[4 * i]); out.append(pixels[4 * i + 1]); out.append(pixels[4 * i + 2]) }
            return Image(width: width, height: height, layout: .rgb, pixels: out)
        }
    }

    /// Full-scale-preserving conversion to another channel type: 8-bit 255 ↔ 16-bit 65535
    /// ↔ Float 1.0. 8 → 16 → 8 is exact; Float values outside 0…1 clamp for integers.
    public func converted<T: ImageComponent>(to: T.Type) -> Image<T> {
        if let same = self as? Image<T> { return same }
        return map { T(unitValue: $0.unitValue) }
    }
}
