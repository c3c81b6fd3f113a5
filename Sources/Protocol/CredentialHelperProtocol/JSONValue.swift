#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A decoded JSON value, for inspecting helper output and configuration precisely.
public enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Decodes JSON text. The error is a short description without the input's content.
    public static func decode(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        // Strict UTF-8 JSON without Codable (fast at start-up); JSONDecoder decides the rest.
        if let value = StrictJSONParser.parse(bytes) { return value }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw JSONSyntaxError(detail: Self.summary(of: context))
        } catch {
            throw JSONSyntaxError(detail: "it is not valid JSON")
        }
    }

    /// A name for the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private static func summary(of context: DecodingError.Context) -> String {
        // The underlying error names the position ("around line 2, column 5"); keep only that part so
        // no output content reaches the message.
        let underlying = context.underlyingError.map { String(describing: $0) } ?? ""
        if let range = underlying.firstRange(of: "around line") {
            let tail = underlying[range.lowerBound...].prefix { $0 != "." && $0 != "\"" && $0 != ")" }
            return "it is not valid JSON (error \(tail))"
        }
        return "it is not valid JSON"
    }
}

/// JSON text that did not parse.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, without the input's content.
    public let detail: String
    public var description: String { detail }
}
