import CredentialHelperHost
import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1

/// One client request through the proxy: the credential, the upstream attempt, the response
/// relayed part by part, and on a 401/403 a single-flight refresh and one replay when the body
/// was kept. Runs on the client connection's event loop, as does its upstream connection.
final class ForwardedExchange {
    private let session: ProxySession
    private let context: ChannelHandlerContext
    private let writer: HTTPMessageWriter
    private let request: ClientRequest
    private let body: ForwardedBody
    /// Called once, when the response ended or was cut: the status the client saw, and whether the
    /// connection was closed to cut it.
    private let completion: (HTTPResponseStatus, _ cut: Bool) -> Void

    private var credential: Credential?
    private let pool: UpstreamConnectionPool
    private var connection: UpstreamConnection?
    private var replayed = false
    /// Whether the request's connection was kept alive from an earlier request: the upstream may
    /// have closed it just as this request went out.
    private var onKeptAliveConnection = false
    private var retriedOnNewConnection = false
    /// Set when the upstream rejected the credential and its response is being discarded.
    private var rejection: Rejection?
    private var headSent = false
    /// The status the client is being sent (for the access log).
    private var status: HTTPResponseStatus = .ok
    private var finished = false

    private enum Rejection { case replay, silentRefreshDisabled }

    init(
        session: ProxySession, context: ChannelHandlerContext, writer: HTTPMessageWriter, request: ClientRequest,
        body: ForwardedBody,
        completion: @escaping (HTTPResponseStatus, _ cut: Bool) -> Void
    ) {
        self.session = session
        self.context = context
        self.writer = writer
        self.request = request
        self.body = body
        self.completion = completion
        pool = session.pool(on: context.eventLoop)
    }

    private var eventLoop: any EventLoop { context.eventLoop }

    /// Obtains the credential and sends the request upstream.
    func start() {
        if let credential = session.validCredential() { return send(with: credential) }
        session.credential(on: eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let credential): self.send(with: credential)
            case .failure(let error): self.respondLocally(Self.helperFailure(error))
            }
        }
    }

    /// The client went away: drop the upstream request and write nothing more.
    func clientClosed() {
        guard !finished else { return }
        finished = true
        connection?.close()
        connection = nil
        if case .streamed(let relay, _) = body { relay.abandon() }
    }

    /// The client's socket drained (or filled): resume (or pause) reading the upstream.
    func clientWritabilityChanged() {
        connection?.pauseReads(!context.channel.isWritable)
    }

    private func send(with credential: Credential) {
        guard !finished else { return }
        self.credential = credential
        rejection = nil
        if let connection = pool.idleConnection() {
            onKeptAliveConnection = true
            return send(on: connection)
        }
        connect()
    }

    private func connect() {
        onKeptAliveConnection = false
        pool.connect().assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection):
                guard !self.finished else { return self.pool.release(connection) }
                self.send(on: connection)
            case .failure(let error):
                self.upstreamFailed(error)
            }
        }
    }

    private func send(on connection: UpstreamConnection) {
        guard let credential else { return }
        self.connection = connection
        let helperLines = session.headerLines(for: credential)
        let prefix = session.endpoint.pathPrefix
        let capacity =
            request.method.readableBytes + prefix.utf8.count + request.pathAndQuery.readableBytes
            + request.lines.bytes.readableBytes + helperLines.lines.readableBytes + ForwardedBody.framingLimit + 16
        var head = context.channel.allocator.buffer(capacity: capacity)
        var chunked = false
        head.writeHead(capacity: capacity) { chunked = encodeUpstreamHead(helperLines, prefix: prefix, into: &$0) }
        connection.begin(head, chunked: chunked, answeringHEAD: request.isHEAD, for: self)
        body.send(on: connection)
    }

    /// The request as the upstream gets it: the path under the upstream's `prefix`, the client's
    /// header lines but hop-by-hop ones, its credentials and those the helper's lines replace, the
    /// helper's credential and header lines, and the body's framing. Returns whether the body is chunked.
    private func encodeUpstreamHead(_ helperLines: HelperHeaderLines, prefix: String, into head: inout HeadBytes)
        -> Bool
    {
        head.append(request.method)
        head.append(" ")
        head.append(prefix)
        head.append(request.pathAndQuery)
        head.append(" HTTP/1.1\r\n")
        var dropped = request.dropped
        if !helperLines.names.isEmpty { dropped.add(request.lines, named: helperLines.names) }
        dropped.write(request.lines, into: &head)
        head.append(helperLines.lines)
        let chunked = body.writeFraming(into: &head, for: request)
        head.append("\r\n")
        return chunked
    }

    // MARK: The upstream's response (UpstreamConnection calls these)

    func upstreamHead(_ head: UpstreamResponseParser.Head) {
        guard !finished else { return }
        session.health.recordUpstream(ok: true)
        let upstreamStatus = HTTPResponseStatus(statusCode: head.status)
        if (head.status == 401 || head.status == 403), !replayed, let credential {
            status = upstreamStatus
            if !session.configuration.host.silentRefreshEnabled {
                rejection = .silentRefreshDisabled
                return
            }
            if body.isReplayable {
                rejection = .replay
                return
            }
            // The body is gone: return this rejection, and refresh for the requests that follow.
            _ = session.rejected(credential, on: eventLoop)
        }
        writer.response(
            upstreamStatus, reason: head.reason, lines: head.lines, dropped: head.dropped, hasLength: head.hasLength,
            to: request)
        headSent = true
        status = upstreamStatus
    }

    func upstreamBody(_ part: ByteBuffer) {
        guard !finished, rejection == nil else { return }
        writer.body(part)
        // Read the upstream only as fast as the client takes the response.
        if !context.channel.isWritable { connection?.pauseReads(true) }
    }

    func upstreamWritabilityChanged() {
        if case .streamed(let relay, _) = body { relay.writabilityChanged() }
    }

    func upstreamEnd(_ connection: UpstreamConnection) {
        self.connection = nil
        connection.pauseReads(false)
        pool.release(connection)
        guard !finished else { return }
        switch rejection {
        case nil:
            finish()
        case .silentRefreshDisabled:
            if let credential { _ = session.rejected(credential, on: eventLoop) }
            respondLocally(Self.silentRefreshDisabled(status))
        case .replay:
            guard let credential else { return }
            session.rejected(credential, on: eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(.refreshed(let fresh)):
                    self.replayed = true
                    self.send(with: fresh)
                case .success(.expiryPromptDue):
                    self.respondLocally(Self.silentRefreshDisabled(self.status))
                case .failure(let error):
                    self.respondLocally(Self.helperFailure(error))
                }
            }
        }
    }

    func upstreamFailed(_ error: any Error) {
        connection = nil
        guard !finished else { return }
        if onKeptAliveConnection, !retriedOnNewConnection, !headSent, rejection == nil, body.isReplayable,
            !(error is UpstreamConnection.ReadTimeout), !(error is UpstreamResponseParser.Malformed)
        {
            // A kept-alive connection failed before any answer (the upstream closed it as the request
            // arrived): nothing was processed, so send the request once more on a new connection.
            retriedOnNewConnection = true
            return connect()
        }
        session.health.recordUpstream(ok: false)
        guard !headSent else {
            // Part of the response is out: the client can only learn of the failure by the cut.
            finished = true
            context.close(promise: nil)
            completion(status, true)
            return
        }
        respondLocally(upstreamFailure(error))
    }

    // MARK: Writing to the client

    private func finish() {
        finished = true
        writer.end()
        completion(status, false)
    }

    private func respondLocally(_ error: ProxyErrorResponse) {
        guard !finished else { return }
        let response = error.response()
        writer.response(response, to: request)
        headSent = true
        status = response.status
        finish()
    }

    /// The upstream's bytes of this round were relayed: they leave together, and each server-sent
    /// event still leaves as soon as it arrived.
    func upstreamReadComplete() {
        if headSent, !finished { writer.flush() }
    }

    // MARK: Errors

    private static func silentRefreshDisabled(_ rejection: HTTPResponseStatus) -> ProxyErrorResponse {
        ProxyErrorResponse(
            type: "authentication_error",
            message:
                "the upstream rejected the credential (HTTP \(rejection.code)) and silent refresh is disabled "
                + "(inferenceCredentialHelperSilentRefreshEnabled=false); restart credhelper proxy to start a new "
                + "session, or enable silent refresh",
            status: .unauthorized)
    }

    private static func helperFailure(_ error: any Error) -> ProxyErrorResponse {
        let helperError = error as? HelperError
        return ProxyErrorResponse(
            type: "api_error",
            message:
                "credhelper proxy could not obtain a credential from the helper: \(helperError?.description ?? "\(error)")",
            status: helperError?.code == .timedOut ? .gatewayTimeout : .serviceUnavailable)
    }

    private func upstreamFailure(_ error: any Error) -> ProxyErrorResponse {
        UpstreamFailure(error).response(target: session.endpoint.origin)
    }
}
