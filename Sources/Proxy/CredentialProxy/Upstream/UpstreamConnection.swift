import CredentialProxyHTTP1
import NIOCore

/// One keep-alive HTTP/1.1 connection to the upstream: the handler at the end of its pipeline.
/// Carries one exchange at a time, hands it the response part by part, and goes back to its
/// event loop's ``UpstreamConnectionPool`` when both the request and the response ended.
/// Event-loop bound.
final class UpstreamConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Raised when the upstream sends nothing for the read timeout while a response is due.
    struct ReadTimeout: Error {}
    /// Raised when the upstream closes the connection before the response ended.
    struct ClosedEarly: Error {}
    /// Raised when a response's trailers do not end within ``Timeouts/trailers``.
    struct TrailersTooSlow: Error {
        let limit: TimeAmount
    }

    /// How long the upstream may take.
    struct Timeouts {
        /// Silence (no byte) while a response is due.
        var read: TimeAmount
        /// From a response's first trailer byte to their end.
        var trailers: TimeAmount
    }

    private let timeouts: Timeouts
    /// When the trailers being read must have ended; set while they are read.
    private var trailersDeadline: NIODeadline?
    private let parser = UpstreamResponseParser()
    /// Writes the requests; set while the handler is in the pipeline.
    private var writer: HTTPMessageWriter?
    private var context: ChannelHandlerContext?
    private var exchange: ForwardedExchange?
    private var requestEnded = true
    /// The head of the request was given to the writer; no flush has sent it yet.
    private var headUnconfirmed = false
    private var responseEnded = true
    private var keepAlive = true
    private var readsPaused = false
    private var lastRead = NIODeadline.now()
    private var timeoutCheck: Scheduled<Void>?
    /// When the connection last went back to its pool.
    var idleSince = NIODeadline.uptimeNanoseconds(0)
    /// Called once when the connection closes (the pool forgets it).
    var onClose: ((UpstreamConnection) -> Void)?

    init(timeouts: Timeouts) { self.timeouts = timeouts }

    /// Whether a new exchange can use this connection.
    var isReusable: Bool {
        exchange == nil && requestEnded && responseEnded && keepAlive && context?.channel.isActive == true
    }

    /// Whether the upstream takes more request body now.
    var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: The request (called by the exchange)

    /// Starts a request for `exchange`: the response will be delivered to it.
    ///
    /// - Parameters:
    ///   - head: the request head, encoded.
    ///   - answeringHEAD: whether the request is a `HEAD` (its response has no body).
    func begin(_ head: ByteBuffer, chunked: Bool, answeringHEAD: Bool, for exchange: ForwardedExchange) {
        self.exchange = exchange
        requestEnded = false
        responseEnded = false
        lastRead = .now()
        parser.expectResponse(isHEAD: answeringHEAD)
        headUnconfirmed = true
        writer?.head(head, framing: chunked ? .chunked : .length)
        scheduleTimeoutCheck()
    }

    func sendBody(_ part: ByteBuffer, flush: Bool) {
        writer?.body(part)
        if flush { self.flush() }
    }

    func flush() {
        writer?.flush()
        confirmHeadWritten()
    }

    func endRequest() {
        requestEnded = true
        writer?.end()
        confirmHeadWritten()
    }

    /// After a flush, which sends the head: tells the exchange that the upstream may have its request
    /// (``ExchangeStateMachine/requestWritten()``), which is then never sent again. A write that fails
    /// closes the channel at once, inside the flush, failing the exchange (with the request not
    /// written, so it can be retried) before this runs. A head still queued behind a full socket
    /// counts as written: it may leave at any moment. (This replaced a write promise per request,
    /// which cost about 3,900 of the ~59,000 instructions a proxied request took.)
    private func confirmHeadWritten() {
        guard headUnconfirmed else { return }
        headUnconfirmed = false
        guard let exchange, context?.channel.isActive == true else { return }
        exchange.requestWritten()
    }

    /// Stops (or resumes) reading the response while the client cannot take more.
    func pauseReads(_ paused: Bool) {
        guard paused != readsPaused else { return }
        readsPaused = paused
        context?.channel.setAutoRead(!paused)
    }

    /// Drops the connection (the exchange was abandoned, or the pool is closing).
    func close() {
        exchange = nil
        context?.close(promise: nil)
    }

    // MARK: The channel

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writer = HTTPMessageWriter(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        writer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        do {
            try parser.read(unwrapInboundIn(data), emit: deliver)
        } catch {
            fail(error)
            context.close(promise: nil)
            return
        }
        if !parser.readingTrailers {
            trailersDeadline = nil
        } else if trailersDeadline == nil {
            trailersDeadline = lastRead + timeouts.trailers
            timeoutCheck?.cancel()
            timeoutCheck = nil
            scheduleTimeoutCheck()
        }
    }

    private func deliver(_ event: UpstreamResponseParser.Event) {
        switch event {
        case .head(let head):
            if head.closes { keepAlive = false }
            exchange?.upstreamHead(head)
        case .body(let part):
            exchange?.upstreamBody(part)
        case .end:
            responseEnded = true
            let finished = exchange
            exchange = nil
            finished?.upstreamEnd(self)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.upstreamWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeoutCheck?.cancel()
        parser.connectionClosed(emit: deliver)  // ends a body delimited by the connection's end
        fail(ClosedEarly())
        onClose?(self)
        onClose = nil
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        guard let failed = exchange else { return }
        exchange = nil
        keepAlive = false
        failed.upstreamFailed(error)
    }

    /// One timer per connection, re-armed only while a response is due: checks when the upstream
    /// last sent something (and when trailers being read must end) instead of rescheduling on every read.
    private func scheduleTimeoutCheck() {
        guard timeoutCheck == nil, let context else { return }
        let deadline = min(lastRead + timeouts.read, trailersDeadline ?? .distantFuture)
        timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timeoutCheck = nil
            guard self.exchange != nil else { return }
            let now = NIODeadline.now()
            if let trailersDeadline = self.trailersDeadline, now >= trailersDeadline {
                self.fail(TrailersTooSlow(limit: self.timeouts.trailers))
                self.context?.close(promise: nil)
            } else if now >= self.lastRead + self.timeouts.read {
                self.fail(ReadTimeout())
                self.context?.close(promise: nil)
            } else {
                self.scheduleTimeoutCheck()
            }
        }
    }
}
