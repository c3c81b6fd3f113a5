import NIOCore
import NIOHTTP1

/// Which headers cross the proxy. Hop-by-hop and framing headers are the connection's, not the
/// message's (RFC 9110 §7.6.1), and are never forwarded; the client's own credentials are
/// replaced by the helper's.
enum HeaderForwarding {
    /// Hop-by-hop header names (lowercase).
    static let hopByHop: [StaticString] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    /// Never forwarded upstream: hop-by-hop, framing the client computed, and credentials the client sent.
    static let droppedUpstream =
        hopByHop.map(\.description) + ["host", "content-length", "authorization", "x-api-key"]

    /// Whether the header `name` is hop-by-hop, ignoring case.
    static func isHopByHop(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
        hopByHop.contains { HeaderLines.equalsIgnoringCase(name, $0) }
    }

    /// Calls `body` with each of `headers` that crosses the proxy: all but those named in `dropped`
    /// (lowercase) and those the `Connection` header names.
    static func forEachForwarded(
        _ headers: HTTPHeaders, dropping dropped: [String], _ body: (String, String) -> Void
    ) {
        let named = connectionTokens(headers)
        for (name, value) in headers {
            guard !dropped.contains(where: { equalsIgnoringCase(name, $0) }) else { continue }
            if !named.isEmpty, named.contains(where: { equalsIgnoringCase(name, $0) }) { continue }
            body(name, value)
        }
    }

    /// Whether `name` equals the lowercase header name `lowercase`, ignoring ASCII case (no allocation).
    static func equalsIgnoringCase(_ name: some StringProtocol, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count
            && name.utf8.elementsEqual(lowercase.utf8) { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
    }

    /// Header names the `Connection` header lists: hop-by-hop for this message too.
    private static func connectionTokens(_ headers: HTTPHeaders) -> [String] {
        var options = HeaderLines.ConnectionOptions()
        for (name, value) in headers where equalsIgnoringCase(name, "connection") {
            var value = value
            value.withUTF8 { options.add(UnsafeRawBufferPointer($0)[...]) }
        }
        return options.names
    }
}

extension ByteBuffer {
    /// Writes one header line, `name: value` and CRLF.
    mutating func writeHeader(_ name: String, _ value: String) {
        writeString(name)
        writeStaticString(": ")
        writeString(value)
        writeStaticString("\r\n")
    }
}
