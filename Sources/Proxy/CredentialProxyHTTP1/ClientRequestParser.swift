import NIOCore

/// Reads a client connection's HTTP/1.1 requests from its bytes (RFC 9112): each head, checked
/// as ``ClientRequest`` says, then the body as slices of what was read, framed by the
/// ``MessageDecoder`` the upstream's responses are framed by. The caller pulls one event at a
/// time, so it can leave a pipelined request unread until the response before it ended.
/// Event-loop bound.
package final class ClientRequestParser {
    private var decoder: MessageDecoder

    package init(limits: MessageDecoder.Limits = .standard) {
        decoder = MessageDecoder(.request, limits: limits)
    }

    package enum Event {
        case head(ClientRequest)
        case body(ByteBuffer)
        case end
    }

    /// Whether the next event is a request's head (the one before it ended), and whether bytes wait
    /// to be parsed: both at once, as the connection's state machine asks several times a request.
    package var readPosition: (atRequestStart: Bool, hasUnparsedBytes: Bool) {
        let position = decoder.position
        return (position.atHead, position.hasUnparsedBytes)
    }

    /// Bytes read from the connection.
    package func append(_ bytes: ByteBuffer) { decoder.append(bytes) }

    /// The next event; nil until more bytes arrive.
    package func next() throws(ClientRequest.Refusal) -> Event? {
        let event: MessageDecoder.Event?
        do { event = try decoder.next() } catch { throw Self.refusal(error) }
        switch event {
        case .head(let startLine, let lines):
            let request = try ClientRequest(line: startLine, lines: lines)
            decoder.startBody(Self.framing(request.body))
            return .head(request)
        case .body(let part): return .body(part)
        case .end: return .end
        case nil:
            if decoder.atHead, decoder.hasUnparsedBytes, !Self.startsLikeRequest(decoder.pending) {
                throw .init("bytes that are not an HTTP request")
            }
            return nil
        }
    }

    private static func framing(_ body: ClientRequest.Body) -> MessageDecoder.Body {
        switch body {
        case .none: .none
        case .length(let length): .length(length)
        case .chunked: .chunked
        }
    }

    /// A head too large is a 431 (RFC 6585 §5); any other framing problem a 400.
    private static func refusal(_ failure: MessageDecoder.Failure) -> ClientRequest.Refusal {
        switch failure.code {
        case .headTooLarge, .tooManyHeaderLines: .init(.init(statusCode: 431), failure.problem)
        default: .init(failure.problem)
        }
    }

    /// Whether the bytes of a head still arriving start as a request does: a method (a token),
    /// then a space. Refuses other protocols (a TLS handshake) at once instead of waiting for more.
    private static func startsLikeRequest(_ bytes: ByteBuffer) -> Bool {
        bytes.withUnsafeReadableBytes { raw in
            guard let stop = raw.firstIndex(where: { !HeaderLines.isTokenByte($0) }) else { return true }
            return (stop > 0 && raw[stop] == 32) || (raw.count == 1 && raw[0] == 13)  // or the CR of a CRLF
        }
    }
}
