extension HelperAnswer {
    /// The answer as a helper prints it on stdout (PROTOCOL.md §4): the bare token and a newline, or,
    /// when there are headers, one line of JSON `{"token":…,"headers":{…}}`.
    ///
    /// The result contains the secret: write it to stdout and nowhere else.
    public func encoded() -> [UInt8] {
        guard !headers.isEmpty else { return Array(token.reveal().utf8) + [0x0A] }
        var out = "{\"token\":" + JSONString.quoted(token.reveal()) + ",\"headers\":{"
        out += headers.map { JSONString.quoted($0.name) + ":" + JSONString.quoted($0.value) }.joined(separator: ",")
        out += "}}\n"
        return Array(out.utf8)
    }
}
