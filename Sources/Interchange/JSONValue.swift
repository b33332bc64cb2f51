import Interchange
import Foundation

/// Any JSON value, with objects that keep their keys in order.
///
/// Trinocular writes its files and reports through this type so that keys come out in
/// the order the contract shows them (Foundation's encoder does not promise an order on
/// every platform), numbers round-trip exactly (shortest representation that reads back
/// to the same `Double`), and non-finite numbers become `null` rather than invalid JSON.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Key–value pairs in order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            // JSON objects are unordered: the same keys with equal values are equal.
            let sx = x.sorted { $0.0 < $1.0 }, sy = y.sorted { $0.0 < $1.0 }
            return sx.count == sy.count && zip(sx, sy).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default:
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    // MARK: Reading

    /// Parses JSON text. - Throws: `JSONSyntaxError` with the reason.
    public static func parse(_ data: Data) throws -> JSONValue {
        do { return try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            if let d = error as? DecodingError, case let .dataCorrupted(ctx) = d {
                throw JSONSyntaxError(reason: ctx.underlyingError.map { "\($0.localizedDescription)" } ?? ctx.debugDescription)
            }
            throw JSONSyntaxError(reason: "\(error)")
        }
    }

    /// The number (integer or not), if this is one.
    public var number: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .number(d): return d
        default: return nil
        }
    }
    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    public var bool: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var array: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    /// The object's pairs, if this is one.
    public var pairs: [(String, JSONValue)]? { if case let .object(o) = self { return o } else { return nil } }

    /// The value under `key` of an object (the first, if a key repeats).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(o) = self else { return nil }
        return o.first { $0.0 == key }?.1
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: Writing

    /// JSON text: indented by two spaces when `pretty`, compact otherwise; ends without newline.
    public func text(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    /// UTF-8 JSON with a final newline.
    public func data(pretty: Bool = true) -> Data { Data((text(pretty: pretty) + "\n").utf8) }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .number(d): out += JSONValue.format(d)
        case let .string(s): JSONValue.quote(s, into: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line: vectors and matrices read better so.
            let flat = indent == nil || a.allSatisfy { !$0.isContainer }
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += flat && indent != nil ? ", " : "," }
                if !flat, let n = indent { out += "\n" + String(repeating: "  ", count: n + 1) }
                v.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if !flat, let n = indent { out += "\n" + String(repeating: "  ", count: n) }
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                if let n = indent { out += "\n" + String(repeating: "  ", count: n + 1) }
                JSONValue.quote(k, into: &out)
                out += indent == nil ? ":" : ": "
                v.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let n = indent { out += "\n" + String(repeating: "  ", count: n) }
            out += "}"
        }
    }

    private var isContainer: Bool {
        switch self { case .array, .object: return true; default: return false }
    }

    /// Shortest text that reads back to the same Double; integral values keep a ".0".
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return "\(d)"  // Swift prints the shortest round-trip form, e.g. 4100.0, 1e-05
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

extension JSONValue: Decodable {
    public init(from decoder: Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            // Keys in the order the decoder lists them, sorted for a stable result.
            var pairs: [(String, JSONValue)] = []
            for key in keyed.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                pairs.append((key.stringValue, try keyed.decode(JSONValue.self, forKey: key)))
            }
            self = .object(pairs); return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !unkeyed.isAtEnd { values.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(values); return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }
}

/// JSON text that does not parse.
public struct JSONSyntaxError: TrinocularError {
    public var fault: Fault { .badInput }
    public var reason: String
    public var description: String { reason }
}

// MARK: Building

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral s: String) { self = .string(s) }
    public init(integerLiteral i: Int) { self = .int(i) }
    public init(floatLiteral d: Double) { self = .number(d) }
    public init(booleanLiteral b: Bool) { self = .bool(b) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// An array of numbers.
    public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
    /// An array of integers.
    public static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
    /// A string, or null when nil.
    public static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
}
