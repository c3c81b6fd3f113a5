/// The decisions of one client connection (``ForwardingHandler``), free of I/O: when to parse,
/// read, time out and close, as the client sends requests, half-closes, stalls or is refused, and
/// as responses end. Each event returns the one action to perform; tests drive the machine alone.
///
/// The rules (docs/proxy.md, "Timeouts and limits"): a client that stops sending in the middle of a
/// request is closed at once; one that stops after a whole request still gets its response, then
/// the connection closes. A refused request is answered (unless a response is under way) and the
/// connection closes. Requests are answered in order: one pipelined behind a response under way
/// stays unparsed, and the client is not read meanwhile.
struct ClientConnectionStateMachine: Equatable {
    enum State: Equatable {
        /// Between requests, or part of a head has arrived.
        case awaitingRequest
        /// A request's head was read and its response has not ended; `closeAfterResponse`: the
        /// client half-closed or the proxy is shutting down.
        case responding(closeAfterResponse: Bool)
        /// Nothing more is parsed or answered.
        case closing
    }

    /// Where the client's bytes stand, as the request parser tells it.
    enum Position: Equatable {
        /// At the start of a request with nothing unread.
        case betweenRequests
        /// At the start of a request with bytes of a head unread (arriving, or pipelined).
        case headPending
        /// Inside a request: its body (or its end) is still due.
        case insideRequest
    }

    /// A timer the connection runs while the client should be sending.
    enum SilenceTimer: Equatable {
        /// Nothing between requests (or before the first byte): ``ProxyConfiguration/idleTimeout``.
        case idle
        /// A request body stopped arriving: ``ProxyConfiguration/bodyTimeout``.
        case body
    }

    enum Action: Equatable {
        case none
        /// Answer 503 and close: the connection is over the limit.
        case refuseOverloaded
        /// Answer the refusal, then close lingering (the client may still be sending).
        case answerRefusal
        /// Answer 408 to the request whose body stopped arriving, then close lingering.
        case answerStalledBody
        /// Close now.
        case close
        /// Close once what was written is out.
        case closeWhenWritten
        /// Parse the next request (one may have been pipelined meanwhile).
        case parseNext
    }

    private(set) var state = State.awaitingRequest
    /// Whether a streamed request body waits for the upstream to take more.
    private(set) var bodyBackpressure = false
    /// Whether the client is read (NIO's auto-read).
    private(set) var reading = true

    init() {}

    var isClosing: Bool { state == .closing }
    var isResponding: Bool {
        if case .responding = state { return true }
        return false
    }

    /// A new connection, the `open`-th of at most `limit`.
    mutating func accepted(open: Int, limit: Int) -> Action {
        guard open > limit else { return .none }
        state = .closing
        return .refuseOverloaded
    }

    /// Whether the parser may hand over the next event at `position`.
    func mayParse(at position: Position) -> Bool {
        switch state {
        case .closing: false
        case .responding: position == .insideRequest
        case .awaitingRequest: true
        }
    }

    mutating func headParsed() {
        if state == .awaitingRequest { state = .responding(closeAfterResponse: false) }
    }

    /// The answer being written closes the connection after it (the proxy answered a request whose
    /// body it will not read).
    mutating func closeAfterResponse() {
        if case .responding = state { state = .responding(closeAfterResponse: true) }
    }

    /// The client half-closed: it sends nothing more.
    mutating func inputClosed(at position: Position) -> Action {
        switch state {
        case .closing:
            return .close  // a lingering close ends when the client stopped sending
        case .responding where position == .insideRequest:
            // The request can never be completed: close, releasing its body and upstream connection.
            state = .closing
            return .close
        case .responding:
            state = .responding(closeAfterResponse: true)
            return .none
        case .awaitingRequest:
            state = .closing
            return .close
        }
    }

    /// The proxy is shutting down: finish the response under way, then close.
    mutating func quiesce() -> Action {
        switch state {
        case .closing: return .close
        case .responding:
            state = .responding(closeAfterResponse: true)
            return .none
        case .awaitingRequest:
            state = .closing
            return .close
        }
    }

    /// The client's bytes cannot be read as a request (or a head or body timed out).
    mutating func refused() -> Action {
        let wasResponding = isResponding
        guard state != .closing else { return .none }
        state = .closing
        // Where the next request starts is unknown; mid-response, the client only sees the cut.
        return wasResponding ? .close : .answerRefusal
    }

    /// `timer` ran out; `buffering`: the request's body is being kept, nothing went upstream yet.
    mutating func silenceElapsed(_ timer: SilenceTimer, buffering: Bool) -> Action {
        guard state != .closing else { return .none }
        state = .closing
        return timer == .body && buffering ? .answerStalledBody : .close
    }

    /// The current response ended (`cut`: by closing the connection).
    mutating func responseEnded(keepAlive: Bool, writerCloses: Bool, cut: Bool) -> Action {
        guard case .responding(let closeAfterResponse) = state else { return .none }
        guard keepAlive, !closeAfterResponse, !writerCloses else {
            state = .closing
            return cut ? .none : .closeWhenWritten
        }
        state = .awaitingRequest
        return .parseNext
    }

    /// The connection closed.
    mutating func closed() { state = .closing }

    /// Sets whether a streamed body waits for the upstream; returns the new auto-read value when it changes.
    mutating func setBodyBackpressure(_ paused: Bool, at position: Position) -> Bool? {
        bodyBackpressure = paused
        return updateReading(at: position)
    }

    /// Reads the client unless a request body waits for the upstream or a pipelined request waits
    /// for the current response; returns the new auto-read value when it changes.
    mutating func updateReading(at position: Position) -> Bool? {
        let read = !bodyBackpressure && !(isResponding && position == .headPending)
        guard read != reading else { return nil }
        reading = read
        return read
    }

    /// Whether a partial head should get the head timeout now.
    func awaitsHead(at position: Position) -> Bool {
        state == .awaitingRequest && position == .headPending
    }

    /// The silence timer for the connection's state, if the client should be sending.
    func silenceTimer(at position: Position) -> SilenceTimer? {
        switch state {
        case .awaitingRequest where position == .betweenRequests: .idle
        case .responding where position == .insideRequest && reading: .body
        default: nil
        }
    }
}
