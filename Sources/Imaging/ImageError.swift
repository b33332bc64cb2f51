/// An image file could not be read or written: names the file and the reason.
public struct ImageError: Error, CustomStringConvertible, Equatable {
    /// The file's path, or a description of the source (`<memory>`).
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file; self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

/// Limits that guard against absurd or hostile image headers.
public enum ImageLimits {
    /// The largest image decoded: 200 megapixels (a 5 MP clinical capture is 40× smaller).
    public static let maximumPixels = 200_000_000
}
