import Hummingbird
import ListeningService
import Logging
import NIOCore
import ServiceLifecycle

/// The loopback redirect listener for the authorization code grant (RFC 8252 §7.3): an HTTP server
/// on 127.0.0.1 that waits for the browser's redirect to `/callback`, checks `state` exactly, and
/// hands back the code. It serves one successful redirect and stops.
public final class LoopbackRedirectListener: Sendable {
    /// What the redirect carried.
    public struct Redirect: Sendable, Hashable {
        /// The authorization code.
        public var code: String
    }

    /// The redirect URI to register and send (`http://127.0.0.1:PORT/callback`).
    public let redirectURI: String
    private let service: ListeningService
    private let result: AsyncStream<Result<Redirect, OAuthError>>

    private init(redirectURI: String, service: ListeningService, result: AsyncStream<Result<Redirect, OAuthError>>) {
        self.redirectURI = redirectURI
        self.service = service
        self.result = result
    }

    /// Starts listening on 127.0.0.1:`port` (0 for an ephemeral port) for a redirect carrying `state`.
    ///
    /// - Parameter issuer: the provider's issuer. A redirect whose `iss` (RFC 9207) names another
    ///   issuer is refused — it is another provider's response (a mix-up attack); with `issuerRequired`
    ///   (the provider advertises `authorization_response_iss_parameter_supported`), so is one without it.
    public static func start(port: Int, expectedState: String, issuer: String? = nil, issuerRequired: Bool = false)
        async throws(OAuthError) -> LoopbackRedirectListener
    {
        let (result, resultSink) = AsyncStream<Result<Redirect, OAuthError>>.makeStream()
        let router = Router()
        router.get("/callback") { request, _ -> Response in
            let outcome = Self.interpret(
                request.uri.queryParameters, expectedState: expectedState, issuer: issuer,
                issuerRequired: issuerRequired)
            if case .failure(let error) = outcome, error.code == .redirectRejected, error.providerError == nil {
                // A stray or forged request: ignore it and keep waiting for the real redirect.
                return Self.page(status: .badRequest, "This sign-in link is not the one credhelper is waiting for.")
            }
            resultSink.yield(outcome)
            switch outcome {
            case .success: return Self.page(status: .ok, "Signed in. You can close this tab and return to your app.")
            case .failure(let error): return Self.page(status: .ok, "Sign-in failed: \(error.description)")
            }
        }
        let quiet = Logger(label: "credhelper.redirect", factory: { _ in SwiftLogNoOpLogHandler() })
        let service: ListeningService
        do {
            service = try await ListeningService.start { onListening in
                let app = Application(
                    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                    onServerRunning: onListening, logger: quiet)
                return ServiceGroup(configuration: .init(services: [app], logger: quiet))
            }
        } catch {
            throw OAuthError(
                .redirectRejected,
                "cannot listen on 127.0.0.1:\(port) for the sign-in redirect (the port may be in use); free the port "
                    + "or change redirectPort in the profile")
        }
        return LoopbackRedirectListener(
            redirectURI: "http://127.0.0.1:\(service.port)/callback", service: service, result: result)
    }

    /// Waits for the redirect until `deadline`, then stops the server.
    public func waitForRedirect(until deadline: ContinuousClock.Instant) async throws(OAuthError) -> Redirect {
        defer { Task { [service] in await service.triggerShutdown() } }
        let outcome = await withTaskGroup(of: Result<Redirect, OAuthError>?.self) { tasks in
            tasks.addTask { [result] in
                for await value in result { return value }
                return nil
            }
            tasks.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await tasks.next() ?? nil
            tasks.cancelAll()
            return first
        }
        guard let outcome else {
            throw OAuthError(.expired, "the browser sign-in did not finish in time; run the sign-in again")
        }
        return try outcome.get()
    }

    /// Stops the server and waits for it to close.
    public func stop() async {
        try? await service.shutdown()
    }

    static func interpret(
        _ query: Parameters, expectedState: String, issuer: String? = nil, issuerRequired: Bool = false
    )
        -> Result<Redirect, OAuthError>
    {
        guard let state = query["state"].map(String.init), state == expectedState else {
            return .failure(OAuthError(.redirectRejected, "the redirect's state does not match the sign-in request"))
        }
        if let issuer {
            if let named = query["iss"].map(String.init) {
                guard named == issuer else {
                    return .failure(
                        OAuthError(
                            .redirectRejected,
                            "the sign-in response names the issuer \(String(named.prefix(200))), not \(issuer): it "
                                + "came from another provider (RFC 9207 mix-up protection); sign in again",
                            providerError: "iss_mismatch"))
                }
            } else if issuerRequired {
                return .failure(
                    OAuthError(
                        .redirectRejected,
                        "the sign-in response has no iss parameter although \(issuer) says it always sends one "
                            + "(RFC 9207); sign in again, and report it to the provider's administrator",
                        providerError: "iss_missing"))
            }
        }
        if let error = query["error"].map(String.init) {
            let description = query["error_description"].map { ": " + String($0.prefix(200)) } ?? ""
            let code: OAuthError.Code = error == "access_denied" ? .accessDenied : .redirectRejected
            return .failure(
                OAuthError(code, "the provider refused the sign-in: \(error)\(description)", providerError: error))
        }
        guard let code = query["code"].map(String.init), !code.isEmpty else {
            return .failure(
                OAuthError(.redirectRejected, "the redirect carried no code", providerError: "missing_code"))
        }
        return .success(Redirect(code: code))
    }

    static func page(status: HTTPResponse.Status, _ message: String) -> Response {
        let escaped = message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = "<!doctype html><meta charset=utf-8><title>credhelper</title><p>\(escaped)</p>\n"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
