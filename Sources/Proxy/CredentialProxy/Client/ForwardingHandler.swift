import CredentialHelperProtocol
import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1

/// One client connection: reads each request (``ClientRequestParser``), answers the proxy's own
/// routes and requests it refuses, and hands the others to a ``ForwardedExchange``. Keeps the
/// connection alive between requests, logs one line per request, and stops reading the client
/// while its request body waits for the upstream. When to parse, read, time out and close is the
/// ``ClientConnectionStateMachine``'s decision; this class performs it.
final class ForwardingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// What the rest of the current request's body is for.
    enum RequestBody {
        /// Nothing to keep: no body, answered by the proxy, or the response already ended.
        case ignored
        /// Kept whole, to forward at the end (and replay after a refresh).
        case buffering(ClientRequest, ByteBuffer, started: NIODeadline)
        /// Passed to the upstream as it arrives.
        case streaming(RequestBodyRelay)
    }

    let session: ProxySession
    let parser = ClientRequestParser()
    /// Set while the handler is in the pipeline.
    private(set) var writer: HTTPMessageWriter?
    private(set) var requestBody = RequestBody.ignored
    private var exchange: ForwardedExchange?
    var machine = ClientConnectionStateMachine()
    /// Set while requests are being parsed (a response that ends meanwhile does not parse again).
    private var parsing = false
    /// The timeout of a head cut across reads, from its first read (cancelled when it completes).
    private var headTimeout: Scheduled<Void>?
    /// Closes the connection when the client is silent while it should send (``ClientSilence``).
    var silenceTimer: Scheduled<Void>?
    /// Whether this connection counts against the session's connection limit.
    private var counted = false

    init(session: ProxySession) { self.session = session }

    func handlerAdded(context: ChannelHandlerContext) {
        writer = HTTPMessageWriter(context: context)
        if context.channel.isActive { accept(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        accept(context: context)
        context.fireChannelActive()
    }

    /// A new client connection: refused with a 503 past the connection limit, else given
    /// ``ProxyConfiguration/idleTimeout`` to send its first byte.
    private func accept(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        let open = session.openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        let limit = session.configuration.maximumConnections
        guard machine.accepted(open: open, limit: limit) != .refuseOverloaded else {
            let error = ProxyErrorResponse(
                type: "overloaded_error",
                message: "credhelper proxy is serving its maximum of \(session.configuration.maximumConnections) "
                    + "connections; retry shortly, or raise --max-connections",
                status: .serviceUnavailable)
            writer?.response(error.response(), to: .unparsed)
            writer?.end()
            writer?.whenWritten { context.close(promise: nil) }
            return
        }
        watchSilence(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) { writer = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !machine.isClosing else { return }  // a refused request's rest, or what follows a last request
        parser.append(unwrapInboundIn(data))
        parse(context: context)
        watchSilence(context: context)
    }

    /// Handles what was read, up to the head of a request pipelined behind the one being answered.
    private func parse(context: ChannelHandlerContext) {
        guard !parsing else { return }
        parsing = true
        defer { parsing = false }
        do {
            while machine.mayParse(at: parser.position), let event = try parser.next() {
                handle(event, context: context)
            }
        } catch {
            return refuse(error, context: context)
        }
        if machine.awaitsHead(at: parser.position) { awaitHead(context: context) }
        if let read = machine.updateReading(at: parser.position) { context.channel.setAutoRead(read) }
    }

    /// Part of a head arrived: refuse it with a 408 if the rest does not follow in time.
    private func awaitHead(context: ChannelHandlerContext) {
        guard headTimeout == nil else { return }
        let timeout = TimeAmount(session.configuration.requestHeadTimeout)
        // Cancelled on this event loop when the head completes, so it runs only for a stalled head.
        headTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.headTimeout = nil
            let seconds = self.session.configuration.requestHeadTimeout.components.seconds
            self.refuse(
                ClientRequest.Refusal(.requestTimeout, "the request head did not arrive within \(seconds) s"),
                context: context)
        }
    }

    private func handle(_ event: ClientRequestParser.Event, context: ChannelHandlerContext) {
        switch event {
        case .head(let request):
            headTimeout?.cancel()
            headTimeout = nil
            machine.headParsed()
            begin(request, context: context)
        case .body(var part):
            switch requestBody {
            case .buffering(let request, var buffer, let started):
                requestBody = .ignored  // release the buffer's reference before appending
                buffer.writeBuffer(&part)
                requestBody = .buffering(request, buffer, started: started)
            case .streaming(let relay): relay.append(part)
            case .ignored: break
            }
        case .end:
            let body = requestBody
            requestBody = .ignored
            switch body {
            case .buffering(let request, let buffer, let started):
                forward(request, body: .buffered(buffer), started: started, context: context)
            case .streaming(let relay): relay.finish()
            case .ignored: break
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            if machine.inputClosed(at: parser.position) == .close { context.close(promise: nil) }
        case is ChannelShouldQuiesceEvent:
            if machine.quiesce() == .close { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.clientClosed()
        exchange = nil
        machine.closed()
        headTimeout?.cancel()
        silenceTimer?.cancel()
        silenceTimer = nil
        if counted {
            counted = false
            session.openConnections.wrappingSubtract(1, ordering: .relaxed)
        }
        if case .streaming(let relay) = requestBody { relay.abandon() }
        requestBody = .ignored
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.clientWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    /// A request the proxy cannot read: a 400 (or the status the refusal names) when no response
    /// is under way, then the connection closes (where the next request starts is unknown).
    func refuse(_ refusal: ClientRequest.Refusal, context: ChannelHandlerContext) {
        switch machine.refused() {
        case .answerRefusal: break
        case .close: return context.close(promise: nil)
        default: return
        }
        guard let writer else { return context.close(promise: nil) }
        // A stalled client is not sending the wrong protocol; every other refusal may be one.
        let hint =
            refusal.status == .requestTimeout
            ? "" : "; send HTTP/1.1 to the proxy (http://, not https://, in the client's base URL)"
        let response = ProxyErrorResponse(
            type: "invalid_request_error", message: "credhelper proxy refused the request: \(refusal.problem)\(hint)",
            status: refusal.status
        ).response()
        writer.response(response, to: .unparsed)
        writer.end()
        writer.whenWritten { Self.lingeringClose(context) }
    }

    /// How long a refused client may go on sending before its connection is closed.
    static let lingering = TimeAmount.seconds(2)

    /// Closes the sending side first, and the connection once the client stopped sending (or
    /// after ``lingering``). Closing at once with unread bytes would reset the connection, and
    /// the client could lose the response explaining the refusal (what nginx calls lingering close).
    static func lingeringClose(_ context: ChannelHandlerContext) {
        context.close(mode: .output, promise: nil)
        context.channel.setAutoRead(true)  // read and drop the rest
        context.eventLoop.assumeIsolated().scheduleTask(in: lingering) { context.close(promise: nil) }
    }

    private func begin(_ request: ClientRequest, context: ChannelHandlerContext) {
        let started = NIODeadline.now()
        requestBody = .ignored
        let authorized = session.configuration.clientKey.map { Self.presents($0, request.lines) } ?? true
        if request.methodIs("GET"), request.pathIs("/_credhelper/health") {
            // Without the client key, only liveness: the upstream and the helper's errors are details.
            let health = authorized ? session.health.response() : HealthReport.liveness()
            return respond(health, to: request, started: started, context: context)
        }
        if !authorized {
            let error = ProxyErrorResponse(
                type: "authentication_error",
                message: "this credhelper proxy requires its client key in x-api-key or Authorization: Bearer",
                status: .unauthorized)
            return respond(error.response(), to: request, started: started, context: context)
        }
        if let metrics = session.metrics, request.methodIs("GET"), request.pathIs("/_credhelper/metrics") {
            return respond(metrics.response(), to: request, started: started, context: context)
        }
        let plan = ForwardedBody.Plan(request.body, limit: session.configuration.replayBodyLimit)
        if request.expectsContinue, plan != .none { writer?.continue100() }
        switch plan {
        case .none:
            forward(request, body: .none, started: started, context: context)
        case .buffered(let length):
            requestBody = .buffering(
                request, context.channel.allocator.buffer(capacity: length), started: started)
        case .streamed(let length):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let relay = RequestBodyRelay { paused in
                bound.value.0.pauseReads(paused, context: bound.value.1)
            }
            requestBody = .streaming(relay)
            forward(request, body: .streamed(relay, length: length), started: started, context: context)
        }
    }

    private func forward(
        _ request: ClientRequest, body: ForwardedBody, started: NIODeadline, context: ChannelHandlerContext
    ) {
        guard let writer else { return }
        let exchange = ForwardedExchange(
            session: session, context: context, writer: writer, request: request, body: body
        ) {
            [unowned self] status, cut, note in
            self.exchange = nil
            if case .streaming(let relay) = self.requestBody {
                // The response ended before the request did: the rest of the body is not needed.
                relay.abandon()
                self.requestBody = .ignored
            }
            self.completed(request, status: status, started: started, cut: cut, note: note, context: context)
        }
        self.exchange = exchange
        exchange.start()
    }

    private func respond(
        _ response: LocalResponse, to request: ClientRequest, started: NIODeadline, context: ChannelHandlerContext
    ) {
        guard let writer else { return }
        // A client that waits for 100 Continue may never send the body this answer makes moot:
        // close instead of waiting for it.
        let closing = request.expectsContinue && request.body != .none
        if closing { machine.closeAfterResponse() }
        writer.response(response, to: request, closing: closing)
        writer.end()
        completed(request, status: response.status, started: started, cut: false, context: context)
    }

    /// The response ended (or was `cut` by closing the connection): log it, then close the
    /// connection once it is written when the client asked for that, or go on with the next request.
    private func completed(
        _ request: ClientRequest, status: HTTPResponseStatus, started: NIODeadline, cut: Bool,
        note: ExchangeNote = ExchangeNote(), context: ChannelHandlerContext
    ) {
        if session.accessLog != nil || session.metrics != nil {
            let nanoseconds = (NIODeadline.now() - started).nanoseconds
            session.metrics?.requestCompleted(status: Int(status.code), nanoseconds: nanoseconds)
            if let accessLog = session.accessLog {
                let tenths = nanoseconds / 100_000
                let method = Self.printable(request.method)
                let path = Self.printable(request.path)
                if let refusal = note.refusalLine(method: method, path: path) { accessLog(refusal) }
                accessLog("\(method) \(path) \(status.code) \(tenths / 10).\(tenths % 10)ms\(note.logFields)")
            }
        }
        let action = machine.responseEnded(
            keepAlive: request.keepAlive, writerCloses: writer?.closesConnection == true, cut: cut)
        switch action {
        case .closeWhenWritten: writer?.whenWritten { context.close(promise: nil) }
        case .parseNext:
            parse(context: context)  // a request pipelined meanwhile
            watchSilence(context: context)
        default: break
        }
    }

    private func pauseReads(_ paused: Bool, context: ChannelHandlerContext) {
        if let read = machine.setBodyBackpressure(paused, at: parser.position) { context.channel.setAutoRead(read) }
    }

    /// Whether the request carries the client key (in `x-api-key`, or as a bearer token in
    /// `Authorization`), compared in constant time.
    static func presents(_ key: Secret, _ lines: HeaderLines) -> Bool {
        let expected = Array(key.reveal().utf8)
        var found = false
        lines.forEach { field, raw in
            let name = raw[field.name]
            var value = raw[field.value]
            if HeaderLines.equalsIgnoringCase(name, "authorization") {
                guard value.count > 7, HeaderLines.equalsIgnoringCase(value.prefix(7), "bearer ") else { return }
                value = value.dropFirst(7)
            } else if !HeaderLines.equalsIgnoringCase(name, "x-api-key") {
                return
            }
            guard value.count == expected.count else { return }
            if zip(value, expected).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 { found = true }
        }
        return found
    }

    /// `bytes` for a log line: visible ASCII as it is, every other byte (controls, DEL, non-ASCII)
    /// as `%XX`, so a request cannot write terminal escapes or fake lines into the access log.
    static func printable(_ bytes: ByteBuffer) -> String {
        var text = ""
        for byte in bytes.readableBytesView {
            if byte > 0x20, byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return text
    }
}

extension ClientRequestParser {
    /// Where the client's bytes stand, for the ``ClientConnectionStateMachine``.
    var position: ClientConnectionStateMachine.Position {
        let (atRequestStart, hasUnparsedBytes) = readPosition
        if !atRequestStart { return .insideRequest }
        return hasUnparsedBytes ? .headPending : .betweenRequests
    }
}
