import NIOCore
import NIOHTTP1

/// A request body on its way upstream: kept in memory when it is small enough to send twice (a
/// replay after a 401/403), otherwise streamed once.
enum ForwardedBody {
    case none
    case buffered(ByteBuffer)
    case streamed(RequestBodyRelay, length: Int?)

    /// How a request's body travels: none when it declares none, buffered when its declared
    /// `Content-Length` is at most `limit`, streamed otherwise (larger, or chunked).
    enum Plan: Equatable {
        case none, buffered(length: Int), streamed(length: Int?)

        init(_ head: HTTPRequestHead, limit: Int) {
            let length = head.headers.first(name: "content-length").flatMap { Int($0) }
            let chunked = head.headers.first(name: "transfer-encoding") != nil
            if length == 0 || (length == nil && !chunked) {
                self = .none
            } else if let length, length <= limit {
                self = .buffered(length: length)
            } else {
                self = .streamed(length: length)
            }
        }
    }

    var isReplayable: Bool {
        if case .streamed = self { return false }
        return true
    }

    /// Writes the framing header the upstream needs for this body; returns whether it is chunked.
    func writeFraming(into head: inout ByteBuffer, method: HTTPMethod) -> Bool {
        switch self {
        case .none:
            if method == .POST || method == .PUT || method == .PATCH { head.writeHeader("content-length", "0") }
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
