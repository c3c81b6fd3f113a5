import CredentialProxyHTTP1
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

    /// The longest framing line ``writeFraming(into:for:)`` appends.
    static let framingLimit = 40

    /// Appends the framing header the upstream needs for this body; returns whether it is chunked.
    func writeFraming(into head: inout HeadBytes, for request: ClientRequest) -> Bool {
        switch self {
        case .none:
            if request.methodIs("POST") || request.methodIs("PUT") || request.methodIs("PATCH") {
                head.append("content-length: 0\r\n")
            }
        case .buffered(let buffer):
            head.append("content-length: ")
            head.append(decimal: buffer.readableBytes)
            head.append("\r\n")
        case .streamed(_, let length?):
            head.append("content-length: ")
            head.append(decimal: length)
            head.append("\r\n")
        case .streamed(_, nil):
            head.append("transfer-encoding: chunked\r\n")
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
