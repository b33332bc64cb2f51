import Foundation

/// An optional that a report writes as `null` when absent (Codable's synthesized code
/// would leave the key out): readers find every documented key in every file.
@propertyWrapper
public struct Null<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as nil, like `null`.
    public func decode<V>(_ type: Null<V>.Type, forKey key: Key) throws -> Null<V> {
        try decodeIfPresent(type, forKey: key) ?? Null(wrappedValue: nil)
    }
}

/// Stage timings in the order the stages ran, written as one JSON object
/// `{"stage": seconds, …}` (s, to the millisecond).
public struct Timings: Codable, Sendable, Equatable {
    public var stages: [(stage: String, seconds: Double)]
    public init(_ stages: [(stage: String, seconds: Double)]) { self.stages = stages.map { ($0.stage, ($0.seconds * 1000).rounded() / 1000) } }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        stages = try c.allKeys.map { ($0.stringValue, try c.decode(Double.self, forKey: $0)) }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for s in stages { try c.encode(s.seconds, forKey: Key(stringValue: s.stage)) }
    }
    public static func == (a: Timings, b: Timings) -> Bool { a.stages.elementsEqual(b.stages) { $0 == $1 } }
}

/// How reports become files: JSON with keys in alphabetical order (the same bytes for the
/// same report), laid out by `JSONValue` (two-space indents, number lists on one line).
public enum ReportCoding {
    public static func data<T: Encodable>(_ report: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try JSONValue.parse(try encoder.encode(report)).data()
    }

    /// A report read back. - Throws: `FileProblem` naming `file` when it is not one.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, what: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw FileProblem(file: file, problem: "is not \(what) (\(Self.reason(error)))")
        }
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context): return "no \"\(key.stringValue)\"\(path(context))"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context): return "\"\(context.codingPath.last?.stringValue ?? "")\" has the wrong type\(path(context))"
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "" : " at \(p)"
    }
}
