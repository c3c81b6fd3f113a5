import CredentialHelperProtocol

/// JSON text for the files `config write` produces: keys sorted, two-space indentation, so the
/// same answers always give the same bytes (the checked-in examples depend on it).
enum JSONText {
    /// `value` as indented JSON text ending with a newline.
    static func document(_ value: JSONValue) -> String { render(value, indent: "") + "\n" }

    /// `value` on one line, without spaces (for JSON kept inside a string value).
    static func compact(_ value: JSONValue) -> String {
        switch value {
        case .array(let items): "[" + items.map(compact).joined(separator: ",") + "]"
        case .object(let entries):
            "{"
                + entries.keys.sorted().map { JSONString.quoted($0) + ":" + compact(entries[$0] ?? .null) }
                .joined(separator: ",") + "}"
        default: render(value, indent: "")
        }
    }

    private static func render(_ value: JSONValue, indent: String) -> String {
        let inner = indent + "  "
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .string(let text): return JSONString.quoted(text)
        case .array(let items):
            // Arrays of scalars stay on one line, as people write them ("scopes": ["openid", …]).
            if items.allSatisfy({ if case .array = $0 { false } else if case .object = $0 { false } else { true } }) {
                return "[" + items.map { render($0, indent: inner) }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + render($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let entries):
            if entries.isEmpty { return "{}" }
            let lines = entries.keys.sorted().map { key in
                inner + JSONString.quoted(key) + ": " + render(entries[key] ?? .null, indent: inner)
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        }
    }
}
