/// How an upstream response's body is delimited, whether its connection ends after it (RFC 9112
/// §6.3, §9.3), and which of its header lines are relayed, read in one pass over the lines.
package struct ResponseFraming {
    package enum Body: Equatable { case chunked, length(Int), untilClose }

    package let body: Body
    package let closes: Bool
    /// Lines not relayed: hop-by-hop ones (and those `Connection` names), and for a status without
    /// a body (1xx, 204, 304) its `Content-Length`.
    package let dropped: DroppedLines
    /// Whether a relayed line is `Content-Length`.
    package let hasLength: Bool

    /// Framing headers a `Connection` option may not remove.
    package static let framingNames: Set = ["content-length", "transfer-encoding", "host"]

    /// Reads the framing from `lines`, checking each line's shape on the way.
    package init(validating lines: HeaderLines, minorVersion: Int, status: Int) throws(UpstreamResponseParser.Malformed)
    {
        let bodyless = status < 200 || status == 204 || status == 304
        var length: Int?
        var lengthConflict = false
        var transferCodings: [String] = []
        var connection = HeaderLines.ConnectionOptions()
        var dropped = DroppedLines()
        var hasLength = false
        var problem: String?
        lines.forEach { field, raw in
            if problem == nil { problem = HeaderLines.problem(field, raw) }
            let name = raw[field.name]
            let value = raw[field.value]
            if HeaderLines.equalsIgnoringCase(name, "content-length") {
                // Two Content-Length lines, even equal, make the response malformed, as for llhttp
                // (RFC 9112 §6.3 allows refusing them).
                if let parsed = HeaderLines.contentLength(field, raw), length == nil {
                    length = parsed
                } else {
                    lengthConflict = true
                }
                if bodyless { dropped.add(field.line) } else { hasLength = true }
            } else if HeaderForwarding.isHopByHop(name) {
                dropped.add(field.line)
                if HeaderLines.equalsIgnoringCase(name, "transfer-encoding") {
                    let codings = HeaderLines.listElements(value)
                    if codings.isEmpty || HeaderLines.hasEmptyListElement(value) {
                        problem = problem ?? "an empty coding in the Transfer-Encoding header"
                    }
                    if HeaderLines.hasTabAroundValue(field, raw) {
                        problem = problem ?? "a tab in the Transfer-Encoding header"
                    }
                    transferCodings += codings
                } else if HeaderLines.equalsIgnoringCase(name, "connection") {
                    connection.add(value)
                }
            }
        }
        if let problem { throw UpstreamResponseParser.Malformed(problem) }
        // A Connection option naming a framing header cannot take the framing away: it is ignored.
        let named = connection.names.filter { !Self.framingNames.contains($0) }
        if !named.isEmpty { dropped.add(lines, named: named) }
        if !transferCodings.isEmpty {
            // Transfer-Encoding overrides Content-Length; without chunked last, the body runs to the close.
            body = transferCodings.last == "chunked" ? .chunked : .untilClose
            if length != nil || lengthConflict {
                // Both: a sign of response splitting (RFC 9112 §6.3), refused as llhttp refuses it.
                throw UpstreamResponseParser.Malformed("both Transfer-Encoding and Content-Length")
            }
        } else if let length, !lengthConflict {
            body = .length(length)
        } else if lengthConflict {
            throw UpstreamResponseParser.Malformed("an invalid Content-Length, or more than one")
        } else {
            body = .untilClose
        }
        closes = connection.close || (minorVersion == 0 && !connection.keepAlive)
        self.dropped = dropped
        self.hasLength = hasLength
    }
}
