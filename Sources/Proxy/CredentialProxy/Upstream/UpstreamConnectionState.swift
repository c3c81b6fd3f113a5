import NIOCore

/// What one upstream connection knows about the exchange it carries, and every decision taken on
/// it: whether the connection can be reused, when the exchange learns its request was written,
/// which exchange a response's end or a failure belongs to, and what a timeout check finds.
/// No channel and no clock (times are passed in), so each transition is tested on its own
/// (UpstreamConnectionStateTests); ``UpstreamConnection`` does the I/O.
struct UpstreamConnectionState<Exchange: AnyObject> {
    /// The exchange whose response is due, if any.
    private(set) var exchange: Exchange?
    private(set) var requestEnded = true
    /// The request head was queued; no flush has sent it yet.
    private var headUnconfirmed = false
    private(set) var responseEnded = true
    /// False once the upstream said it closes, or an exchange failed on this connection.
    private(set) var keepAlive = true
    private(set) var readsPaused = false
    /// When the upstream last sent a byte (or the request began).
    private(set) var lastRead: NIODeadline
    /// When trailers being read must have ended; set while they are read.
    private(set) var trailersDeadline: NIODeadline?

    init(now: NIODeadline) { lastRead = now }

    /// Whether a new exchange can use the connection (its channel being `channelActive`).
    func isReusable(channelActive: Bool) -> Bool {
        exchange == nil && requestEnded && responseEnded && keepAlive && channelActive
    }

    /// A request for `exchange` starts at `now`: its head is queued, its response is due.
    mutating func begin(_ exchange: Exchange, at now: NIODeadline) {
        self.exchange = exchange
        requestEnded = false
        responseEnded = false
        headUnconfirmed = true
        lastRead = now
    }

    /// The request's last part was queued.
    mutating func requestEnd() { requestEnded = true }

    /// After a flush, which sends the queued head: the exchange to tell that the upstream may have
    /// its request, once per request, and only while the channel is active (a write that failed has
    /// closed it and failed the exchange already).
    mutating func headSent(channelActive: Bool) -> Exchange? {
        guard headUnconfirmed else { return nil }
        headUnconfirmed = false
        return channelActive ? exchange : nil
    }

    /// Whether reads must be switched to `paused` (false: they already are).
    mutating func pauseReads(_ paused: Bool) -> Bool {
        guard paused != readsPaused else { return false }
        readsPaused = paused
        return true
    }

    /// Bytes arrived at `now`, the parser then `readingTrailers`. Returns true when the trailers
    /// have just started: their deadline is set and the timeout check must be re-armed for it.
    mutating func read(at now: NIODeadline, readingTrailers: Bool, trailersLimit: TimeAmount) -> Bool {
        lastRead = now
        guard readingTrailers else {
            trailersDeadline = nil
            return false
        }
        guard trailersDeadline == nil else { return false }
        trailersDeadline = now + trailersLimit
        return true
    }

    /// The response's head arrived; `closes` when it says the connection closes after it.
    mutating func responseHead(closes: Bool) {
        if closes { keepAlive = false }
    }

    /// The response ended: the exchange it belonged to, which no longer owns the connection.
    mutating func responseEnd() -> Exchange? {
        responseEnded = true
        defer { exchange = nil }
        return exchange
    }

    /// Something failed: the exchange to fail, if one is due; the connection is not reused.
    mutating func fail() -> Exchange? {
        guard let failed = exchange else { return nil }
        exchange = nil
        keepAlive = false
        return failed
    }

    /// The exchange was abandoned (or the pool closes): it is told nothing more.
    mutating func abandon() { exchange = nil }

    /// What a timeout check at `now` finds.
    enum TimeoutVerdict {
        /// No response is due: no timer.
        case idle
        /// The trailers did not end by their deadline: fail this exchange and close.
        case trailersTooSlow(Exchange)
        /// The upstream sent nothing for the read timeout: fail this exchange and close.
        case readTimeout(Exchange)
        /// Nothing is late: check again at ``nextDeadline(readTimeout:)``.
        case wait
    }

    /// Checks the deadlines at `now`; a late exchange is failed (taken out) in the verdict.
    mutating func timeoutCheck(at now: NIODeadline, readTimeout: TimeAmount) -> TimeoutVerdict {
        guard exchange != nil else { return .idle }
        if let trailersDeadline, now >= trailersDeadline, let late = fail() { return .trailersTooSlow(late) }
        if now >= lastRead + readTimeout, let late = fail() { return .readTimeout(late) }
        return .wait
    }

    /// When the next timeout check is due: the read timeout after the last byte, or the trailers'
    /// deadline if that comes first.
    func nextDeadline(readTimeout: TimeAmount) -> NIODeadline {
        min(lastRead + readTimeout, trailersDeadline ?? .distantFuture)
    }
}
