extension HelperAnswer {
    /// The answer as a helper prints it on stdout (PROTOCOL.md §4): the bare token and a newline, or,
    /// when there are headers, one line of JSON `{"token":…,"headers":{…}}`.
    ///
    /// The result contains the secret: write it to stdout and nowhere else.
    public func encoded() -> [UInt8] {
        guard !headers.isEmpty else { return Array(token.reveal().utf8) + [0x0A] }
        var out = "{\"token\":" + Self.quoted(token.reveal()) + ",\"headers\":{"
        out += headers.map { Self.quoted($0.name) + ":" + Self.quoted($0.value) }.joined(separator: ",")
        out += "}}\n"
        return Array(out.utf8)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
