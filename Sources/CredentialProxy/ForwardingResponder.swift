import AsyncHTTPClient
import CredentialHelperHost
import CredentialHelperProtocol
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Forwards each request to the upstream with the helper's credential: strips the client's
/// `Authorization`/`x-api-key`, adds the credential and merged headers, streams the bodies both
/// ways, and on a 401/403 refreshes the credential (single flight) and replays the request once
/// when its body was small enough to keep.
struct ForwardingResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let configuration: ProxyConfiguration
    let provider: CredentialProvider
    let client: HTTPClient
    let accessLog: @Sendable (String) -> Void
    let health: HealthReport

    static let healthPath = "/_credhelper/health"

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response = await handle(request)
        let elapsed = ContinuousClock.now - started
        let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
        accessLog(
            "\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(tenths / 10).\(tenths % 10)ms")
        return response
    }

    private func handle(_ request: Request) async -> Response {
        if request.uri.path == Self.healthPath, request.method == .get { return await health.response() }
        if let key = configuration.clientKey, !Self.presents(key, request.headers) {
            return ProxyErrorResponse(
                type: "authentication_error",
                message: "this credhelper proxy requires its client key in x-api-key or Authorization: Bearer",
                status: .unauthorized
            ).response()
        }
        let body: ForwardedBody
        do { body = try await ForwardedBody(request, limit: configuration.replayBodyLimit) } catch {
            return ProxyErrorResponse(
                type: "invalid_request_error", message: "the request body could not be read: \(error)",
                status: .badRequest
            ).response()
        }
        let credential: Credential
        do { credential = try await currentCredential() } catch {
            health.recordHelper(error)
            return Self.helperFailure(error)
        }
        health.recordCredential(credential)
        let first: HTTPClientResponse
        do { first = try await send(request, body: body, credential: credential) } catch {
            return upstreamFailure(error)
        }
        guard first.status == .unauthorized || first.status == .forbidden else { return relay(first) }
        guard configuration.host.silentRefreshEnabled else {
            _ = try? await provider.credentialRejected(credential)
            return ProxyErrorResponse(
                type: "authentication_error",
                message:
                    "the upstream rejected the credential (HTTP \(first.status.code)) and silent refresh is disabled "
                    + "(inferenceCredentialHelperSilentRefreshEnabled=false); restart credhelper proxy to start a new "
                    + "session, or enable silent refresh",
                status: .unauthorized
            ).response()
        }
        guard body.isReplayable else {
            // The body is gone: return this rejection, and refresh for the requests that follow.
            let provider = provider
            Task { _ = try? await provider.credentialRejected(credential) }
            return relay(first)
        }
        let fresh: Credential
        do {
            guard case .refreshed(let refreshed) = try await provider.credentialRejected(credential) else {
                return relay(first)
            }
            fresh = refreshed
            health.recordCredential(fresh)
        } catch {
            health.recordHelper(error)
            return Self.helperFailure(error)
        }
        _ = try? await first.body.collect(upTo: 1 << 20)  // discard the rejection; the connection is reused
        do { return relay(try await send(request, body: body, credential: fresh)) } catch {
            return upstreamFailure(error)
        }
    }

    /// The session's credential; past its TTL, a new one from the helper in the background context.
    private func currentCredential() async throws(HelperError) -> Credential {
        let credential = try await provider.credential()
        guard credential.expiresAt <= Date() else { return credential }
        return try await provider.startSession(context: .background)
    }

    private func send(_ request: Request, body: ForwardedBody, credential: Credential) async throws
        -> HTTPClientResponse
    {
        let (origin, prefix) = configuration.upstreamParts
        var outgoing = HTTPClientRequest(url: origin + prefix + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers = HeaderForwarding.upstreamHeaders(from: request.headers)
        for field in credential.requestHeaders(for: configuration.host).headers {
            outgoing.headers.replaceOrAdd(name: field.name, value: field.value)
        }
        outgoing.body = body.clientBody()
        let response = try await client.execute(outgoing, deadline: .now() + .hours(24))
        health.recordUpstream(ok: true)
        return response
    }

    private func relay(_ upstream: HTTPClientResponse) -> Response {
        Response(
            status: HTTPResponse.Status(code: Int(upstream.status.code), reasonPhrase: upstream.status.reasonPhrase),
            headers: HeaderForwarding.clientHeaders(from: upstream.headers),
            body: ResponseBody(asyncSequence: upstream.body))
    }

    private func upstreamFailure(_ error: any Error) -> Response {
        health.recordUpstream(ok: false)
        let text = String(describing: error)
        let timedOut =
            text.contains("deadlineExceeded") || text.contains("readTimeout") || text.contains("connectTimeout")
        let target = configuration.upstreamParts.origin
        return ProxyErrorResponse(
            type: "api_error",
            message: timedOut
                ? "the upstream \(target) did not answer in time; check that it is up and reachable"
                : "the upstream \(target) could not be reached (\(Self.reason(text))); check --upstream and the network",
            status: timedOut ? .gatewayTimeout : .badGateway
        ).response()
    }

    static func helperFailure(_ error: HelperError) -> Response {
        ProxyErrorResponse(
            type: "api_error",
            message: "credhelper proxy could not obtain a credential from the helper: \(error.description)",
            status: error.code == .timedOut ? .gatewayTimeout : .serviceUnavailable
        ).response()
    }

    static func reason(_ text: String) -> String {
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "the connection was closed" }
        return String(text.prefix(120))
    }

    /// Whether the request carries the client key, compared in constant time.
    static func presents(_ key: Secret, _ headers: HTTPFields) -> Bool {
        let expected = Array(key.reveal().utf8)
        var candidates: [String] = []
        if let name = HTTPField.Name("x-api-key"), let apiKey = headers[name] { candidates.append(apiKey) }
        if let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            candidates.append(String(authorization.dropFirst(7)))
        }
        return candidates.contains { candidate in
            let given = Array(candidate.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
