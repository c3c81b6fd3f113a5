/// Query parameters in first-seen order, one value per name: how a presigned URL's operation
/// parameters are kept (botocore parses the URL's query with Python's `parse_qs`, keeps each name's
/// first value, adds the operation's parameters, and encodes them again).
struct QueryParameters {
    private var names: [String] = []
    private var values: [String: String] = [:]

    var isEmpty: Bool { names.isEmpty }

    /// Sets `name` to `value`; a name already present keeps its place.
    mutating func set(_ name: String, _ value: String) {
        if values[name] == nil { names.append(name) }
        values[name] = value
    }

    /// `name=value&…`, both percent-encoded (everything but the unreserved characters).
    var encoded: String {
        names.map { SigV4Encoding.percentEncode($0) + "=" + SigV4Encoding.percentEncode(values[$0] ?? "") }
            .joined(separator: "&")
    }

    /// `query` decoded as `parse_qs(query, keep_blank_values=True)` decodes it, first value of each
    /// name kept: pairs split at `&`, empty pairs skipped, a pair without `=` has an empty value, `+`
    /// is a space, `%XX` a byte, and the bytes UTF-8 (invalid sequences replaced by U+FFFD).
    static func parse(_ query: String) -> QueryParameters {
        var parameters = QueryParameters()
        // Split on the bytes `&` and `=`, as botocore does: a `&` followed by a combining mark is one
        // Character, and must still separate two parameters.
        for bytes in Array(query.utf8).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                name = Substring(String(decoding: bytes[..<equals], as: UTF8.self))
                value = Substring(String(decoding: bytes[(equals + 1)...], as: UTF8.self))
            } else {
                name = Substring(String(decoding: bytes, as: UTF8.self))
                value = ""
            }
            let decodedName = unquote(name)
            if parameters.values[decodedName] == nil { parameters.set(decodedName, unquote(value)) }
        }
        return parameters
    }

    /// Python's `unquote(text.replace("+", " "))`: runs of ASCII have their `%XX` escapes decoded to
    /// bytes and are read as UTF-8; other characters stay as they are.
    static func unquote(_ text: Substring) -> String {
        var out = ""
        var run: [UInt8] = []
        func flush() {
            out += String(decoding: run, as: UTF8.self)
            run.removeAll()
        }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar.isASCII else {
                flush()
                out.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            if scalar == "%", index + 2 < scalars.count, let high = hexValue(scalars[index + 1]),
                let low = hexValue(scalars[index + 2])
            {
                run.append(high << 4 | low)
                index += 3
                continue
            }
            run.append(scalar == "+" ? UInt8(ascii: " ") : UInt8(scalar.value))
            index += 1
        }
        flush()
        return out
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "0"..."9": UInt8(scalar.value - 48)
        case "a"..."f": UInt8(scalar.value - 87)
        case "A"..."F": UInt8(scalar.value - 55)
        default: nil
        }
    }
}
