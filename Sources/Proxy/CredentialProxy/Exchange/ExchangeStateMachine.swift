import NetworkFailure

/// The decisions of one forwarded request (``ForwardedExchange``), free of I/O: each event — the
/// credential, the upstream connection, the response's head, body and end, a refresh, a failure,
/// the client leaving — moves the state and returns the one action to perform. The exchange
/// performs it; tests drive the machine alone.
///
/// The rules (docs/proxy.md, "What it does with each request"): a 401/403 is replayed once with a
/// refreshed credential when the body was kept, and returned (refreshing for the next requests)
/// when it was not; with silent refresh disabled it becomes the proxy's own 401; within the refresh
/// floor of the last refresh it is relayed as it is. A kept-alive upstream connection whose write of the
/// request's head failed (it was closed or reset) is retried once on a new connection; once the head
/// was written to an open connection (or queued for it) the request is never sent again. A failure after the head went out can only be told to the client by
/// cutting the connection.
struct ExchangeStateMachine: Equatable {
    enum State: Equatable {
        /// Waiting for the session's credential.
        case awaitingCredential
        /// Waiting for an upstream connection (idle from the pool, or new).
        case awaitingConnection
        /// The request went upstream; no response head yet.
        case awaitingResponse
        /// The upstream's response is being relayed; `status` went to the client.
        case relaying(status: Int)
        /// The upstream rejected the credential; its response is read and dropped.
        case discarding(status: Int, Rejection)
        /// Waiting for the refreshed credential, to replay the request.
        case refreshing(status: Int)
        /// The response ended, was cut, or the client left: nothing more happens.
        case finished
    }

    /// What follows a discarded rejection.
    enum Rejection: Equatable {
        /// Refresh and send the request again.
        case replay
        /// Answer the proxy's own 401: silent refresh is disabled.
        case silentRefreshDisabled
    }

    /// A response the proxy writes itself.
    enum LocalAnswer: Equatable {
        /// The helper failed or timed out (the exchange holds the error).
        case helperFailure
        case upstreamFailure(NetworkFailure)
        /// The upstream rejected the credential with `status` and silent refresh is disabled.
        case silentRefreshDisabled(status: Int)
        /// The upstream rejected the credential with `status` and it was not refreshed again: the last
        /// refresh was less than the refresh floor ago (its response was dropped to replay it).
        case rejectedAgain(status: Int)
        /// The upstream failed after the request was written to it: it may have processed it.
        case mayHaveBeenProcessed(NetworkFailure)
    }

    enum Action: Equatable {
        case none
        /// Take an idle pool connection, or open a new one.
        case acquireConnection
        /// Open a new connection (a kept-alive one failed before any answer).
        case openNewConnection
        /// Put the connection back in the pool: the exchange ended while it was being opened.
        case releaseConnection
        /// Write the request (head and body) on the connection.
        case sendRequest
        /// Write the upstream's head to the client; `reportRejection`: tell the session the
        /// credential was rejected, so the next requests get a refreshed one.
        case forwardHead(reportRejection: Bool)
        case forwardBody
        /// The upstream's bytes of this read were relayed: flush them to the client.
        case flush
        /// Drop this part of a response (its head: the start of a discarded rejection).
        case discard
        /// End the response to the client.
        case finish(status: Int)
        /// Ask the session to refresh the rejected credential, then report ``refreshed(_:)``.
        case refresh
        /// Write `LocalAnswer` and end; `reportRejection` as in ``forwardHead(reportRejection:)``.
        case respond(LocalAnswer, reportRejection: Bool)
        /// Close the client connection: part of the response is out and the rest cannot follow.
        case cutClient(status: Int)
        /// Drop the upstream connection and a streamed request body: the client is gone.
        case abandon
    }

    /// How a refresh after a rejection ended.
    enum RefreshOutcome: Equatable {
        case refreshed
        /// Silent refresh is disabled for this session (an expiry prompt is due instead).
        case expiryPromptDue
        /// Not refreshed: a fresh credential was rejected again within the refresh floor.
        case notRefreshed
        case failed
    }

    private(set) var state = State.awaitingCredential
    /// Whether the request body can be sent twice (it was kept whole, or there is none).
    let replayable: Bool
    let silentRefreshEnabled: Bool
    /// Whether the request went out a second time with a refreshed credential.
    private(set) var replayed = false
    /// Whether the current connection was kept alive from an earlier request.
    private var keptAlive = false
    private var retriedOnNewConnection = false
    /// Whether the request's head was written on the current connection (RFC 9110 §9.2.2: once it
    /// was, the request is not sent again automatically).
    private var requestReachedUpstream = false

    init(replayable: Bool, silentRefreshEnabled: Bool) {
        self.replayable = replayable
        self.silentRefreshEnabled = silentRefreshEnabled
    }

    mutating func credentialObtained() -> Action {
        guard state == .awaitingCredential else { return .none }
        state = .awaitingConnection
        return .acquireConnection
    }

    mutating func credentialFailed() -> Action {
        guard state == .awaitingCredential else { return .none }
        state = .finished
        return .respond(.helperFailure, reportRejection: false)
    }

    /// A connection is ready; `keptAlive`: it served an earlier request.
    mutating func connectionReady(keptAlive: Bool) -> Action {
        guard state == .awaitingConnection else { return .releaseConnection }
        self.keptAlive = keptAlive
        requestReachedUpstream = false
        state = .awaitingResponse
        return .sendRequest
    }

    /// The response's head arrived; `refreshable`: whether a rejection of this request's credential
    /// would be refreshed now (the session asks the provider only for a 401/403). A rejection that
    /// would not — a credential obtained by a refresh less than the refresh floor ago — is relayed as
    /// it is, body included, and reported to no one.
    mutating func upstreamHead(status: Int, refreshable: Bool) -> Action {
        guard state == .awaitingResponse else { return .none }
        let rejected = (status == 401 || status == 403) && !replayed
        if rejected, !silentRefreshEnabled {
            state = .discarding(status: status, .silentRefreshDisabled)
            return .discard
        }
        if rejected, replayable, refreshable {
            state = .discarding(status: status, .replay)
            return .discard
        }
        // A rejection of a body that is gone is returned as it is; the next requests get a refresh.
        state = .relaying(status: status)
        return .forwardHead(reportRejection: rejected && refreshable)
    }

    mutating func upstreamBody() -> Action {
        switch state {
        case .relaying: .forwardBody
        case .discarding: .discard
        default: .none
        }
    }

    mutating func upstreamReadComplete() -> Action {
        if case .relaying = state { return .flush }
        return .none
    }

    mutating func upstreamEnd() -> Action {
        switch state {
        case .relaying(let status):
            state = .finished
            return .finish(status: status)
        case .discarding(let status, .silentRefreshDisabled):
            state = .finished
            return .respond(.silentRefreshDisabled(status: status), reportRejection: true)
        case .discarding(let status, .replay):
            state = .refreshing(status: status)
            return .refresh
        default:
            return .none
        }
    }

    mutating func refreshed(_ outcome: RefreshOutcome) -> Action {
        guard case .refreshing(let status) = state else { return .none }
        switch outcome {
        case .refreshed:
            replayed = true
            keptAlive = false
            state = .awaitingConnection
            return .acquireConnection
        case .expiryPromptDue:
            state = .finished
            return .respond(.silentRefreshDisabled(status: status), reportRejection: false)
        case .notRefreshed:
            state = .finished
            return .respond(.rejectedAgain(status: status), reportRejection: false)
        case .failed:
            state = .finished
            return .respond(.helperFailure, reportRejection: false)
        }
    }

    /// The write carrying the request's head went to an open connection (written to its socket, or queued
    /// for it): from now on the upstream may process it.
    mutating func requestWritten() {
        if state == .awaitingResponse { requestReachedUpstream = true }
    }

    /// The upstream connection failed (or could not be opened).
    mutating func upstreamFailed(_ failure: NetworkFailure) -> Action {
        switch state {
        case .awaitingConnection, .awaitingResponse:
            // A kept-alive connection the upstream closed before the write of the request's head went
            // out (a close that crossed the request): nothing was processed, so the request goes
            // once more on a new connection. Once the request was written, the upstream may have read
            // it whole and processed it (a POST: inference, billing): it is not sent again (RFC 9110
            // §9.2.2), and the answer says so. A timeout or a malformed answer keeps its own answer.
            let answered = failure == .timedOut || { if case .malformed = failure { true } else { false } }()
            if keptAlive, !retriedOnNewConnection, replayable, !requestReachedUpstream, !answered {
                retriedOnNewConnection = true
                keptAlive = false
                state = .awaitingConnection
                return .openNewConnection
            }
            state = .finished
            let answer: LocalAnswer =
                requestReachedUpstream && !answered ? .mayHaveBeenProcessed(failure) : .upstreamFailure(failure)
            return .respond(answer, reportRejection: false)
        case .discarding:
            state = .finished
            return .respond(.upstreamFailure(failure), reportRejection: false)
        case .relaying(let status):
            state = .finished
            return .cutClient(status: status)
        case .awaitingCredential, .refreshing, .finished:
            return .none
        }
    }

    /// The client connection closed.
    mutating func clientClosed() -> Action {
        guard state != .finished else { return .none }
        state = .finished
        return .abandon
    }
}
