import AsyncHTTPClient
import Hummingbird
import NIOCore

/// A request body on its way upstream: kept in memory when it is small enough to send twice (a
/// replay after a 401/403), otherwise streamed once.
enum ForwardedBody: Sendable {
    case none
    case buffered(ByteBuffer)
    case streamed(RequestBody, length: Int?)

    /// Buffers bodies whose declared `Content-Length` is at most `limit`; streams the others.
    init(_ request: Request, limit: Int) async throws {
        let length = request.headers[.contentLength].flatMap(Int.init)
        if length == 0 || (length == nil && request.method == .get) || (length == nil && request.method == .head) {
            self = .none
        } else if let length, length <= limit {
            self = .buffered(try await request.body.collect(upTo: limit))
        } else {
            self = .streamed(request.body, length: length)
        }
    }

    var isReplayable: Bool {
        if case .streamed = self { return false }
        return true
    }

    func clientBody() -> HTTPClientRequest.Body? {
        switch self {
        case .none: return nil
        case .buffered(let buffer): return .bytes(buffer)
        case .streamed(let body, let length):
            return .stream(body, length: length.map { .known(Int64($0)) } ?? .unknown)
        }
    }
}
