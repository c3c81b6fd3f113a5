import CredentialHelperProtocol
import NIOCore
import NIOHTTP1

/// One client connection: reads each request, answers the proxy's own routes, and hands the
/// others to a ``ForwardedExchange``. Keeps the connection alive between requests, logs one line
/// per request, and stops reading the client while its request body waits for the upstream.
///
/// Requests are answered in order: a request pipelined behind one still being answered waits,
/// and the client is not read meanwhile. (NIO's pipelining handler does the same, but stops
/// reading during every response, which costs two system calls per request.)
final class ForwardingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    static let healthPath = "/_credhelper/health"

    /// What the rest of the current request's body is for.
    private enum RequestBody {
        /// Nothing to keep: no body, answered by the proxy, or the response already ended.
        case ignored
        /// Kept whole, to forward at the end (and replay after a refresh).
        case buffering(HTTPRequestHead, ByteBuffer, started: NIODeadline)
        /// Passed to the upstream as it arrives.
        case streaming(RequestBodyRelay)
    }

    private let session: ProxySession
    /// Set while the handler is in the pipeline.
    private var writer: HTTPMessageWriter?
    private var requestBody = RequestBody.ignored
    private var exchange: ForwardedExchange?
    /// From a request's head until its response ended.
    private var responding = false
    /// Parts of pipelined requests, waiting for the current response to end.
    private var pipelined = CircularBuffer<HTTPServerRequestPart>()
    /// Close once the current response ended (shutdown, or the client closed its side).
    private var closeWhenIdle = false
    private var bodyBackpressure = false
    /// Whether the client is read (NIO's auto-read).
    private var reading = true

    init(session: ProxySession) { self.session = session }

    func handlerAdded(context: ChannelHandlerContext) { writer = HTTPMessageWriter(context: context) }

    func handlerRemoved(context: ChannelHandlerContext) { writer = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !pipelined.isEmpty || (responding && isHead(part)) {
            pipelined.append(part)
            return updateReading(context: context)
        }
        handle(part, context: context)
    }

    private func isHead(_ part: HTTPServerRequestPart) -> Bool {
        if case .head = part { return true }
        return false
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            responding = true
            begin(head, context: context)
        case .body(var part):
            switch requestBody {
            case .buffering(let head, var buffer, let started):
                requestBody = .ignored  // release the buffer's reference before appending
                buffer.writeBuffer(&part)
                requestBody = .buffering(head, buffer, started: started)
            case .streaming(let relay): relay.append(part)
            case .ignored: break
            }
        case .end:
            let body = requestBody
            requestBody = .ignored
            switch body {
            case .buffering(let head, let buffer, let started):
                forward(head, body: .buffered(buffer), started: started, context: context)
            case .streaming(let relay): relay.finish()
            case .ignored: break
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent, ChannelEvent.inputClosed:
            // Finish the response under way, then close.
            if responding { closeWhenIdle = true } else { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.clientClosed()
        exchange = nil
        if case .streaming(let relay) = requestBody { relay.abandon() }
        requestBody = .ignored
        pipelined.removeAll()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.clientWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, !responding, let writer {
            // Not HTTP/1.1: say so, then close (the parser cannot find where the next request starts).
            let response = ProxyErrorResponse(
                type: "invalid_request_error",
                message:
                    "credhelper proxy could not parse the request as HTTP/1.1 (\(error)); check the client's base URL "
                    + "(http://, not https://, for the proxy)",
                status: .badRequest
            ).response()
            let unparsed = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["connection": "close"])
            writer.response(response, to: unparsed)
            writer.end()
        }
        context.close(promise: nil)
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let started = NIODeadline.now()
        requestBody = .ignored
        if head.method == .GET, head.uri == Self.healthPath {
            return respond(session.health.response(), to: head, started: started, context: context)
        }
        if let key = session.configuration.clientKey, !Self.presents(key, head.headers) {
            let error = ProxyErrorResponse(
                type: "authentication_error",
                message: "this credhelper proxy requires its client key in x-api-key or Authorization: Bearer",
                status: .unauthorized)
            return respond(error.response(), to: head, started: started, context: context)
        }
        switch ForwardedBody.Plan(head, limit: session.configuration.replayBodyLimit) {
        case .none:
            forward(head, body: .none, started: started, context: context)
        case .buffered(let length):
            requestBody = .buffering(
                head, context.channel.allocator.buffer(capacity: length), started: started)
        case .streamed(let length):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let relay = RequestBodyRelay { paused in
                bound.value.0.pauseReads(paused, context: bound.value.1)
            }
            requestBody = .streaming(relay)
            forward(head, body: .streamed(relay, length: length), started: started, context: context)
        }
    }

    private func forward(
        _ head: HTTPRequestHead, body: ForwardedBody, started: NIODeadline, context: ChannelHandlerContext
    ) {
        guard let writer else { return }
        let exchange = ForwardedExchange(
            session: session, context: context, writer: writer, request: head, body: body
        ) {
            [unowned self] status, cut in
            self.exchange = nil
            if case .streaming(let relay) = self.requestBody {
                // The response ended before the request did: the rest of the body is not needed.
                relay.abandon()
                self.requestBody = .ignored
            }
            self.completed(head, status: status, started: started, cut: cut, context: context)
        }
        self.exchange = exchange
        exchange.start()
    }

    private func respond(
        _ response: LocalResponse, to head: HTTPRequestHead, started: NIODeadline, context: ChannelHandlerContext
    ) {
        guard let writer else { return }
        writer.response(response, to: head)
        writer.end()
        completed(head, status: response.status, started: started, cut: false, context: context)
    }

    /// The response ended (or was `cut` by closing the connection): log it, and close the
    /// connection once it is written when the client asked for that.
    private func completed(
        _ head: HTTPRequestHead, status: HTTPResponseStatus, started: NIODeadline, cut: Bool,
        context: ChannelHandlerContext
    ) {
        if let accessLog = session.accessLog {
            let tenths = (NIODeadline.now() - started).nanoseconds / 100_000
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            accessLog("\(head.method.rawValue) \(path) \(status.code) \(tenths / 10).\(tenths % 10)ms")
        }
        responding = false
        if !head.isKeepAlive || closeWhenIdle || writer?.closesConnection == true {
            if !cut { writer?.whenWritten { context.close(promise: nil) } }
            pipelined.removeAll()
            return
        }
        // Answer what was pipelined meanwhile, then read again.
        while let next = pipelined.first, !(responding && isHead(next)) {
            pipelined.removeFirst()
            handle(next, context: context)
        }
        updateReading(context: context)
    }

    private func pauseReads(_ paused: Bool, context: ChannelHandlerContext) {
        bodyBackpressure = paused
        updateReading(context: context)
    }

    /// Reads the client unless a request body waits for the upstream or pipelined requests wait
    /// for the current response.
    private func updateReading(context: ChannelHandlerContext) {
        let read = !bodyBackpressure && pipelined.isEmpty
        guard read != reading else { return }
        reading = read
        context.channel.setAutoRead(read)
    }

    /// Whether the request carries the client key, compared in constant time.
    static func presents(_ key: Secret, _ headers: HTTPHeaders) -> Bool {
        let expected = Array(key.reveal().utf8)
        var candidates = headers["x-api-key"]
        for authorization in headers["authorization"] where authorization.lowercased().hasPrefix("bearer ") {
            candidates.append(String(authorization.dropFirst(7)))
        }
        return candidates.contains { candidate in
            let given = Array(candidate.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
