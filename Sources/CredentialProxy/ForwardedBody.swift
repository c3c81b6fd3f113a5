import NIOCore

/// A request body on its way upstream: kept in memory when it is small enough to send twice (a
/// replay after a 401/403), otherwise streamed once.
enum ForwardedBody {
    case none
    case buffered(ByteBuffer)
    case streamed(RequestBodyRelay, length: Int?)

    /// How a request's body travels: none when it has none, buffered when its `Content-Length` is
    /// at most `limit`, streamed otherwise (larger, or chunked).
    enum Plan: Equatable {
        case none, buffered(length: Int), streamed(length: Int?)

        init(_ body: ClientRequest.Body, limit: Int) {
            switch body {
            case .none: self = .none
            case .length(let length) where length <= limit: self = .buffered(length: length)
            case .length(let length): self = .streamed(length: length)
            case .chunked: self = .streamed(length: nil)
            }
        }
    }

    var isReplayable: Bool {
        if case .streamed = self { return false }
        return true
    }

    /// Writes the framing header the upstream needs for this body; returns whether it is chunked.
    func writeFraming(into head: inout ByteBuffer, for request: ClientRequest) -> Bool {
        switch self {
        case .none:
            if request.methodIs("POST") || request.methodIs("PUT") || request.methodIs("PATCH") {
                head.writeStaticString("content-length: 0\r\n")
            }
        case .buffered(let buffer):
            head.writeHeader("content-length", String(buffer.readableBytes))
        case .streamed(_, let length?):
            head.writeHeader("content-length", String(length))
        case .streamed(_, nil):
            head.writeHeader("transfer-encoding", "chunked")
            return true
        }
        return false
    }

    /// Sends the body on `connection` (the rest of a streamed body follows as it arrives).
    func send(on connection: UpstreamConnection) {
        switch self {
        case .none:
            connection.endRequest()
        case .buffered(let buffer):
            connection.sendBody(buffer, flush: false)
            connection.endRequest()
        case .streamed(let relay, _):
            relay.attach(connection)
        }
    }
}
