import NIOCore

/// Which headers cross the proxy. Hop-by-hop and framing headers are the connection's, not the
/// message's (RFC 9110 §7.6.1), and are never forwarded; the client's own credentials are
/// replaced by the helper's.
enum HeaderForwarding {
    /// Hop-by-hop header names (lowercase).
    static let hopByHop: [StaticString] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    /// Never forwarded upstream: hop-by-hop, framing the client computed, credentials the client
    /// sent, and `Expect` (the proxy answers `100-continue` itself).
    static let droppedUpstream: [StaticString] =
        hopByHop + ["host", "content-length", "authorization", "x-api-key", "expect"]

    /// Whether the header `name` is hop-by-hop, ignoring case.
    static func isHopByHop(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
        hopByHop.contains { HeaderLines.equalsIgnoringCase(name, $0) }
    }

    /// Writes the lines of `lines` that cross the proxy into `buffer`: all but those named in
    /// ``droppedUpstream`` and in `named` (lowercase: what the request's `Connection` header lists).
    static func writeForwarded(_ lines: HeaderLines, droppingAlso named: [String], into buffer: inout ByteBuffer) {
        lines.forEach { field, raw in
            let name = raw[field.name]
            if droppedUpstream.contains(where: { HeaderLines.equalsIgnoringCase(name, $0) }) { return }
            if !named.isEmpty, named.contains(String(decoding: name, as: UTF8.self).lowercased()) { return }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: name))
            buffer.writeStaticString(": ")
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[field.value]))
            buffer.writeStaticString("\r\n")
        }
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
