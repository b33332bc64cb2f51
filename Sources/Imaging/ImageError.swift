import Interchange

/// An image file could not be read or written: names the file (or `<memory>`) and the reason.
public typealias ImageError = FileProblem

/// Limits that guard against absurd or hostile image headers.
public enum ImageLimits {
    /// The largest image decoded: 200 megapixels (a 5 MP clinical capture is 40× smaller).
    public static let maximumPixels = 200_000_000
}
