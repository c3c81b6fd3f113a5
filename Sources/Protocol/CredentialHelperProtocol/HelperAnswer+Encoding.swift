extension HelperAnswer {
    /// The answer as a helper prints it on stdout (docs/protocol.md §4): the bare token and a newline, or,
    /// when there are headers, one line of JSON `{"token":…,"headers":{…}}`. A token that starts with
    /// `{` or `[` is printed as JSON too: bare, a host would read it as JSON.
    ///
    /// The result contains the secret: write it to stdout and nowhere else.
    public func encoded() -> [UInt8] {
        let bare = token.reveal()
        guard !headers.isEmpty || bare.hasPrefix("{") || bare.hasPrefix("[") else { return Array(bare.utf8) + [0x0A] }
        var out = "{\"token\":" + JSONString.quoted(bare) + ",\"headers\":{"
        out += headers.map { JSONString.quoted($0.name) + ":" + JSONString.quoted($0.value) }.joined(separator: ",")
        out += "}}\n"
        return Array(out.utf8)
    }
}
