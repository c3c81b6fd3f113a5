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
    private let parser = UpstreamResponseParser()
    /// Writes the requests; set while the handler is in the pipeline.
    private var writer: HTTPMessageWriter?
    private var context: ChannelHandlerContext?
    /// The exchange carried and the decisions on it (``UpstreamConnectionState``).
    private var state = UpstreamConnectionState<ForwardedExchange>(now: .now())
    private var timeoutCheck: Scheduled<Void>?
    /// When the connection last went back to its pool.
    var idleSince = NIODeadline.uptimeNanoseconds(0)
    /// Called once when the connection closes (the pool forgets it).
    var onClose: ((UpstreamConnection) -> Void)?

    init(timeouts: Timeouts) { self.timeouts = timeouts }

    /// Whether a new exchange can use this connection.
    var isReusable: Bool { state.isReusable(channelActive: context?.channel.isActive == true) }

    /// Whether the upstream takes more request body now.
    var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: The request (called by the exchange)

    /// Starts a request for `exchange`: the response will be delivered to it.
    ///
    /// - Parameters:
    ///   - head: the request head, encoded.
    ///   - answeringHEAD: whether the request is a `HEAD` (its response has no body).
    func begin(_ head: ByteBuffer, chunked: Bool, answeringHEAD: Bool, for exchange: ForwardedExchange) {
        state.begin(exchange, at: .now())
        parser.expectResponse(isHEAD: answeringHEAD)
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
        state.requestEnd()
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
        state.headSent(channelActive: context?.channel.isActive == true)?.requestWritten()
    }

    /// Stops (or resumes) reading the response while the client cannot take more.
    func pauseReads(_ paused: Bool) {
        guard state.pauseReads(paused) else { return }
        context?.channel.setAutoRead(!paused)
    }

    /// Drops the connection (the exchange was abandoned, or the pool is closing).
    func close() {
        state.abandon()
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
        let now = NIODeadline.now()
        do {
            try parser.read(unwrapInboundIn(data), emit: deliver)
        } catch {
            fail(error)
            context.close(promise: nil)
            return
        }
        if state.read(at: now, readingTrailers: parser.readingTrailers, trailersLimit: timeouts.trailers) {
            timeoutCheck?.cancel()
            timeoutCheck = nil
            scheduleTimeoutCheck()
        }
    }

    private func deliver(_ event: UpstreamResponseParser.Event) {
        switch event {
        case .head(let head):
            state.responseHead(closes: head.closes)
            state.exchange?.upstreamHead(head)
        case .body(let part):
            state.exchange?.upstreamBody(part)
        case .end:
            state.responseEnd()?.upstreamEnd(self)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        state.exchange?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        state.exchange?.upstreamWritabilityChanged()
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
        state.fail()?.upstreamFailed(error)
    }

    /// One timer per connection, re-armed only while a response is due: checks when the upstream
    /// last sent something (and when trailers being read must end) instead of rescheduling on every read.
    private func scheduleTimeoutCheck() {
        guard timeoutCheck == nil, let context else { return }
        let deadline = state.nextDeadline(readTimeout: timeouts.read)
        timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timeoutCheck = nil
            switch self.state.timeoutCheck(at: .now(), readTimeout: self.timeouts.read) {
            case .idle:
                return
            case .trailersTooSlow(let late):
                late.upstreamFailed(TrailersTooSlow(limit: self.timeouts.trailers))
                self.context?.close(promise: nil)
            case .readTimeout(let late):
                late.upstreamFailed(ReadTimeout())
                self.context?.close(promise: nil)
            case .wait:
                self.scheduleTimeoutCheck()
            }
        }
    }
}
