import NIOCore

/// Which headers cross the proxy. Hop-by-hop and framing headers are the connection's, not the
/// message's (RFC 9110 §7.6.1), and are never forwarded; the client's own credentials are
/// replaced by the helper's.
package enum HeaderForwarding {
    /// Hop-by-hop header names (lowercase).
    package static let hopByHop: [StaticString] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    /// Never forwarded upstream: hop-by-hop, framing the client computed, credentials the client
    /// sent, and `Expect` (the proxy answers `100-continue` itself).
    package static let droppedUpstream: [StaticString] =
        hopByHop + ["host", "content-length", "authorization", "x-api-key", "expect"]

    /// ``droppedUpstream`` as strings.
    package static let droppedUpstreamNames = Set(droppedUpstream.map { $0.description })

    /// Whether the header `name` is hop-by-hop, ignoring case.
    package static func isHopByHop(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
        isOne(of: hopByHop, lengths: hopByHopLengths, name)
    }

    /// Whether the header `name` is not forwarded upstream (``droppedUpstream``), ignoring case.
    package static func isDroppedUpstream(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
        isOne(of: droppedUpstream, lengths: droppedUpstreamLengths, name)
    }

    /// The lengths of the names in each list, one bit per length: most names are ruled out by
    /// their length alone.
    private static let hopByHopLengths = lengthMask(hopByHop)
    private static let droppedUpstreamLengths = lengthMask(droppedUpstream)

    private static func lengthMask(_ names: [StaticString]) -> UInt64 {
        names.reduce(0) { $0 | 1 << $1.utf8CodeUnitCount }
    }

    private static func isOne(of names: [StaticString], lengths: UInt64, _ name: Slice<UnsafeRawBufferPointer>) -> Bool
    {
        guard name.count < 64, lengths & (1 << name.count) != 0 else { return false }
        return names.contains { HeaderLines.equalsIgnoringCase(name, $0) }
    }
}

extension ByteBuffer {
    /// Writes one header line, `name: value` and CRLF.
    package mutating func writeHeader(_ name: String, _ value: String) {
        writeString(name)
        writeStaticString(": ")
        writeString(value)
        writeStaticString("\r\n")
    }
}
