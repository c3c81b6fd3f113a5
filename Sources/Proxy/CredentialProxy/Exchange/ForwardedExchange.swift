import CredentialHelperHost
import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1
import NetworkFailure

/// One client request through the proxy: the credential, the upstream attempt, the response
/// relayed part by part, and on a 401/403 a single-flight refresh and one replay when the body
/// was kept. Every decision is the ``ExchangeStateMachine``'s; this class performs its actions.
/// Runs on the client connection's event loop, as does its upstream connection.
final class ForwardedExchange {
    private let session: ProxySession
    private let context: ChannelHandlerContext
    private let writer: HTTPMessageWriter
    private let request: ClientRequest
    private let body: ForwardedBody
    /// Called once, when the response ended or was cut: the status the client saw, and whether the
    /// connection was closed to cut it.
    private let completion: (HTTPResponseStatus, _ cut: Bool, ExchangeNote) -> Void
    /// A rejection, its refresh and replay, for the access log.
    private var note = ExchangeNote()
    private let pool: UpstreamConnectionPool

    private var machine: ExchangeStateMachine
    private var credential: Credential?
    private var connection: UpstreamConnection?
    /// The helper's error, for the answer to a failed credential or refresh.
    private var helperError: (any Error)?

    init(
        session: ProxySession, context: ChannelHandlerContext, writer: HTTPMessageWriter, request: ClientRequest,
        body: ForwardedBody,
        completion: @escaping (HTTPResponseStatus, _ cut: Bool, ExchangeNote) -> Void
    ) {
        self.session = session
        self.context = context
        self.writer = writer
        self.request = request
        self.body = body
        self.completion = completion
        pool = session.pool(on: context.eventLoop)
        machine = ExchangeStateMachine(
            replayable: body.isReplayable, silentRefreshEnabled: session.provider.configuration.silentRefreshEnabled)
    }

    private var eventLoop: any EventLoop { context.eventLoop }

    /// Obtains the credential and sends the request upstream.
    func start() {
        if let credential = session.provider.freshSessionCredential {
            self.credential = credential
            return perform(machine.credentialObtained())
        }
        session.credential(on: eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let credential):
                self.credential = credential
                self.perform(self.machine.credentialObtained())
            case .failure(let error):
                self.helperError = error
                self.perform(self.machine.credentialFailed())
            }
        }
    }

    /// The client went away: drop the upstream request and write nothing more.
    func clientClosed() { perform(machine.clientClosed()) }

    /// The client's socket drained (or filled): resume (or pause) reading the upstream.
    func clientWritabilityChanged() {
        connection?.pauseReads(!context.channel.isWritable)
    }

    // MARK: The upstream's response (UpstreamConnection calls these)

    /// The request's head was flushed to an open connection: the upstream may have it.
    func requestWritten() { machine.requestWritten() }

    func upstreamHead(_ head: UpstreamResponseParser.Head) {
        // Only a rejection asks the provider whether it would refresh (the refresh floor).
        let rejection = head.status == 401 || head.status == 403
        if rejection || note.rejectedStatus != nil {
            note.upstreamAnswered(status: head.status, token: credential?.answer.token)
        }
        if rejection { session.metrics?.upstreamRefused(status: head.status) }
        let refreshable = rejection && credential.map { session.provider.wouldRefresh(afterRejecting: $0) } == true
        let action = machine.upstreamHead(status: head.status, refreshable: refreshable)
        guard action != .none else { return }
        session.health.recordUpstream(ok: true)
        guard case .forwardHead(let reportRejection) = action else { return }
        if reportRejection, let credential { _ = session.rejected(credential, on: eventLoop) }
        writer.response(
            HTTPResponseStatus(statusCode: head.status), reason: head.reason, lines: head.lines,
            dropped: head.dropped, hasLength: head.hasLength, to: request)
    }

    func upstreamBody(_ part: ByteBuffer) {
        if note.rejectedStatus != nil { note.upstreamBody(part) }
        guard machine.upstreamBody() == .forwardBody else { return }
        writer.body(part)
        // Read the upstream only as fast as the client takes the response.
        if !context.channel.isWritable { connection?.pauseReads(true) }
    }

    /// The upstream's bytes of this round were relayed: they leave together, and each server-sent
    /// event still leaves as soon as it arrived.
    func upstreamReadComplete() { perform(machine.upstreamReadComplete()) }

    func upstreamWritabilityChanged() {
        if case .streamed(let relay, _) = body { relay.writabilityChanged() }
    }

    func upstreamEnd(_ connection: UpstreamConnection) {
        self.connection = nil
        connection.pauseReads(false)
        pool.release(connection)
        perform(machine.upstreamEnd())
    }

    func upstreamFailed(_ error: any Error) {
        connection = nil
        let action = machine.upstreamFailed(NetworkFailure(error))
        switch action {
        case .respond, .cutClient: session.health.recordUpstream(ok: false)
        default: break
        }
        perform(action)
    }

    // MARK: Performing the machine's actions

    private func perform(_ action: ExchangeStateMachine.Action, on ready: UpstreamConnection? = nil) {
        switch action {
        case .none, .discard:
            break
        case .forwardHead, .forwardBody:
            break  // performed by the event that carries the bytes
        case .acquireConnection:
            guard let idle = pool.idleConnection() else { return connect() }
            perform(machine.connectionReady(keptAlive: true), on: idle)
        case .openNewConnection:
            connect()
        case .releaseConnection:
            if let ready { pool.release(ready) }
        case .sendRequest:
            if let ready { send(on: ready) }
        case .flush:
            writer.flush()
        case .finish(let status):
            writer.end()
            complete(HTTPResponseStatus(statusCode: status), cut: false)
        case .refresh:
            refresh()
        case .respond(let answer, let reportRejection):
            if reportRejection, let credential { _ = session.rejected(credential, on: eventLoop) }
            let response = errorResponse(answer).response()
            writer.response(response, to: request)
            writer.end()
            complete(response.status, cut: false)
        case .cutClient(let status):
            context.close(promise: nil)
            complete(HTTPResponseStatus(statusCode: status), cut: true)
        case .abandon:
            connection?.close()
            connection = nil
            if case .streamed(let relay, _) = body { relay.abandon() }
        }
    }

    private func complete(_ status: HTTPResponseStatus, cut: Bool) {
        note.replayed = machine.replayed
        completion(status, cut, note)
    }

    private func connect() {
        pool.connect().assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection): self.perform(self.machine.connectionReady(keptAlive: false), on: connection)
            case .failure(let error): self.upstreamFailed(error)
            }
        }
    }

    private func refresh() {
        guard let credential else { return }
        session.rejected(credential, on: eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(.refreshed(let fresh)):
                self.credential = fresh
                self.note.refresh = .refreshed
                self.session.metrics?.refreshed(.refreshed)
                self.perform(self.machine.refreshed(.refreshed))
            case .success(.expiryPromptDue):
                self.note.refresh = .expiryPromptDue
                self.session.metrics?.refreshed(.expiryPromptDue)
                self.perform(self.machine.refreshed(.expiryPromptDue))
            case .success(.notRefreshed):
                self.note.refresh = .notRefreshed
                self.session.metrics?.refreshed(.notRefreshed)
                self.perform(self.machine.refreshed(.notRefreshed))
            case .failure(let error):
                self.helperError = error
                self.note.refresh = .failed
                self.session.metrics?.refreshed(.failed)
                self.perform(self.machine.refreshed(.failed))
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

    // MARK: Errors

    private func errorResponse(_ answer: ExchangeStateMachine.LocalAnswer) -> ProxyErrorResponse {
        switch answer {
        case .helperFailure:
            let helperError = helperError as? HelperError
            return ProxyErrorResponse(
                type: "api_error",
                message:
                    "credhelper proxy could not obtain a credential from the helper: "
                    + (helperError?.description ?? self.helperError.map { "\($0)" } ?? "unknown error"),
                status: helperError?.code == .timedOut ? .gatewayTimeout : .serviceUnavailable)
        case .upstreamFailure(let failure):
            return failure.response(target: session.endpoint.origin)
        case .silentRefreshDisabled(let status):
            return ProxyErrorResponse(
                type: "authentication_error",
                message:
                    "the upstream rejected the credential (HTTP \(status)) and silent refresh is disabled "
                    + "(inferenceCredentialHelperSilentRefreshEnabled=false); restart credhelper proxy to start a "
                    + "new session, or enable silent refresh",
                status: .unauthorized)
        case .rejectedAgain(let status):
            let floor = session.provider.configuration.refreshFloor.components.seconds
            return ProxyErrorResponse(
                type: status == 403 ? "permission_error" : "authentication_error",
                message:
                    "the upstream rejected the request (HTTP \(status)) with a credential the helper issued less than "
                    + "\(floor) s ago, so credhelper proxy did not refresh it again (--refresh-floor); check that the "
                    + "credential may make this request (the model, the organization) before retrying",
                status: HTTPResponseStatus(statusCode: status))
        case .mayHaveBeenProcessed(let failure):
            return ProxyErrorResponse(
                type: "api_error",
                message:
                    "the upstream \(session.endpoint.origin) received the request, then failed without answering ("
                    + failure.reason(caOption: "--upstream-ca-file") + "); the request may have been processed, so "
                    + "credhelper proxy has not retried it: check whether it took effect before sending it again",
                status: .badGateway)
        }
    }
}
