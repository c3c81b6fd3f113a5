import AsyncHTTPClient
import CredentialHelperProtocol
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An OAuth 2.0 / OpenID Connect client: one method per grant, every request bounded by a deadline.
///
/// It holds no tokens: callers pass them in and store what comes back. Create it only when the
/// provider must be called — a helper answering from its cache never builds one.
public struct OAuthClient: Sendable {
    /// Who the client is and what it asks for.
    public let configuration: OAuthClientConfiguration
    let http: IdPHTTP
    private let logger: Logger

    /// The HTTP client used unless another is given: created on first use and kept for the life of
    /// the process. It does not retry a refused connection (a provider that is down is reported at
    /// once, not after the whole deadline) and gives up connecting after 5 seconds.
    public static let defaultHTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: defaultConfiguration)

    /// The configuration of every client talking to a provider: no retried connection attempts,
    /// 5 seconds to connect, no redirects followed.
    static var defaultConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// A client using `httpClient` (default: ``defaultHTTPClient``). Logs nothing unless given a
    /// logger, and never logs a token or secret.
    public init(
        _ configuration: OAuthClientConfiguration, httpClient: HTTPClient = OAuthClient.defaultHTTPClient,
        logger: Logger = Logger(label: "credhelper.oauth", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.http = IdPHTTP(
            route: { _ in (httpClient, nil) }, requestTimeout: configuration.requestTimeout,
            documentCache: configuration.documentCache)
        self.logger = logger
    }

    /// A client whose requests go as `connection` says (company CAs, an HTTP proxy).
    public init(
        _ configuration: OAuthClientConfiguration, connection: IdPConnection,
        logger: Logger = Logger(label: "credhelper.oauth", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.http = IdPHTTP(
            route: connection.route(for:), requestTimeout: configuration.requestTimeout,
            documentCache: configuration.documentCache)
        self.logger = logger
    }

    // MARK: Discovery

    /// Fetches the provider's metadata: OpenID Connect discovery first, then RFC 8414. The
    /// document's `issuer` must equal the configured issuer, and every endpoint must be HTTPS
    /// (or loopback). The configuration's endpoint overrides replace what the document says.
    public func discover(until deadline: ContinuousClock.Instant) async throws(OAuthError) -> IdPMetadata {
        try await discover(from: discoveryCandidates(), until: deadline)
    }

    /// `metadata` with the endpoints it lacks filled in from the provider's other metadata document
    /// (RFC 8414 when discovery found the OpenID Connect one): some providers list the revocation or
    /// device authorization endpoint in only one of them. Unchanged when there is no other document.
    public func supplement(_ metadata: IdPMetadata, until deadline: ContinuousClock.Instant) async
        -> IdPMetadata
    {
        let others = discoveryCandidates().dropFirst()
        guard !others.isEmpty, let other = try? await discover(from: Array(others), until: deadline) else {
            return metadata
        }
        var merged = metadata
        merged.authorizationEndpoint = metadata.authorizationEndpoint ?? other.authorizationEndpoint
        merged.deviceAuthorizationEndpoint = metadata.deviceAuthorizationEndpoint ?? other.deviceAuthorizationEndpoint
        merged.revocationEndpoint = metadata.revocationEndpoint ?? other.revocationEndpoint
        merged.jwksURI = metadata.jwksURI ?? other.jwksURI
        return merged
    }

    /// Drops the cached discovery documents and `also` (the JWKS), after an endpoint found through
    /// them failed: the next run fetches them again.
    public func forgetCachedDocuments(also: [String] = []) {
        configuration.documentCache?.forget(discoveryCandidates() + also)
    }

    /// The discovery documents to try, in order: the configured URL alone, or OpenID Connect's then RFC 8414's.
    private func discoveryCandidates() -> [String] {
        let issuer = configuration.issuer
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        var candidates = [configuration.discoveryURL ?? trimmed + "/.well-known/openid-configuration"]
        let split = SplitURL(trimmed)
        if configuration.discoveryURL == nil, !split.scheme.isEmpty {
            // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
            candidates.append(
                split.scheme + "://" + split.authority + "/.well-known/oauth-authorization-server" + split.path)
        }
        return candidates
    }

    private func discover(from candidates: [String], until deadline: ContinuousClock.Instant) async throws(OAuthError)
        -> IdPMetadata
    {
        let issuer = configuration.issuer
        try EndpointSecurity.check(issuer, role: "issuer")
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        var failures: [String] = []
        for url in candidates {
            try EndpointSecurity.check(url, role: "discovery document")
            let reply = try await http.get(url, until: deadline)
            guard reply.status == 200 else {
                failures.append("\(url) answered HTTP \(reply.status)")
                continue
            }
            var metadata: IdPMetadata
            do {
                metadata = try JSONDecoder().decode(IdPMetadata.self, from: Data(reply.body))
            } catch {
                throw OAuthError(
                    .discovery, "\(url) is not a valid discovery document (it needs issuer and token_endpoint)")
            }
            guard metadata.issuer == issuer || metadata.issuer == trimmed else {
                throw OAuthError(
                    .discovery,
                    "\(url) names the issuer \(metadata.issuer), not the configured \(issuer); set the profile's "
                        + "issuer to exactly the provider's")
            }
            metadata = configuration.endpoints.applied(to: metadata)
            for (role, endpoint) in [
                ("token endpoint", metadata.tokenEndpoint), ("authorization endpoint", metadata.authorizationEndpoint),
                ("device authorization endpoint", metadata.deviceAuthorizationEndpoint),
                ("JWKS URI", metadata.jwksURI), ("revocation endpoint", metadata.revocationEndpoint),
            ] {
                if let endpoint { try EndpointSecurity.check(endpoint, role: role) }
            }
            logger.debug("discovered provider metadata", metadata: ["issuer": "\(issuer)"])
            return metadata
        }
        throw OAuthError(
            .discovery, "no discovery document for \(issuer): \(failures.joined(separator: "; ")); check the issuer URL"
        )
    }

    // MARK: Grants

    /// The refresh-token grant (RFC 6749 §6). With rotation the grant carries a new refresh token,
    /// which the caller must store before using the access token.
    public func refresh(_ refreshToken: Secret, metadata: IdPMetadata, until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> TokenGrant
    {
        var fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken.reveal())]
        if !configuration.scopes.isEmpty { fields.append(("scope", configuration.scopes.joined(separator: " "))) }
        return try await tokenRequest(fields, metadata: metadata, grant: "refresh", until: deadline)
    }

    /// The client-credentials grant (RFC 6749 §4.4), for unattended profiles. Needs a client secret.
    public func clientCredentials(metadata: IdPMetadata, until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> TokenGrant
    {
        guard configuration.clientSecret != nil else {
            throw OAuthError(.rejected, "the client-credentials grant needs a client secret; set clientSecretFile")
        }
        var fields = [("grant_type", "client_credentials")]
        if !configuration.scopes.isEmpty { fields.append(("scope", configuration.scopes.joined(separator: " "))) }
        if let audience = configuration.audience { fields.append(("audience", audience)) }
        return try await tokenRequest(fields, metadata: metadata, grant: "client credentials", until: deadline)
    }

    /// The URL to open in the browser for the authorization code grant with PKCE.
    public func authorizationURL(
        metadata: IdPMetadata, redirectURI: String, pkce: PKCE, state: String, nonce: String
    ) throws(OAuthError) -> String {
        guard let endpoint = metadata.authorizationEndpoint else {
            throw OAuthError(.discovery, "\(configuration.issuer) publishes no authorization endpoint; use --device")
        }
        if let methods = metadata.codeChallengeMethodsSupported, !methods.contains("S256") {
            throw OAuthError(.discovery, "\(configuration.issuer) does not support PKCE with S256; use --device")
        }
        var fields = [
            ("response_type", "code"), ("client_id", configuration.clientID), ("redirect_uri", redirectURI),
            ("scope", configuration.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", pkce.challenge), ("code_challenge_method", pkce.method),
        ]
        if let audience = configuration.audience { fields.append(("audience", audience)) }
        let query = fields.map { IdPHTTP.formEncode($0.0) + "=" + IdPHTTP.formEncode($0.1) }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query.joined(separator: "&")
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3) with the PKCE verifier.
    public func exchangeAuthorizationCode(
        _ code: String, redirectURI: String, pkce: PKCE, metadata: IdPMetadata,
        until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> TokenGrant {
        try await tokenRequest(
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("code_verifier", pkce.verifier),
            ], metadata: metadata, grant: "authorization code", until: deadline)
    }

    /// Starts the device authorization grant (RFC 8628 §3.1).
    public func requestDeviceCode(metadata: IdPMetadata, until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> DeviceAuthorization
    {
        let endpoint: String
        if let published = metadata.deviceAuthorizationEndpoint {
            endpoint = published
        } else if let found = await supplement(metadata, until: deadline).deviceAuthorizationEndpoint {
            endpoint = found
        } else {
            throw OAuthError(
                .unsupported,
                "\(configuration.issuer) publishes no device authorization endpoint (in neither its OpenID Connect "
                    + "nor its RFC 8414 metadata); set \"deviceAuthorizationEndpoint\" in the profile to the "
                    + "provider's device authorization URL, or sign in with the browser")
        }
        var fields = [("scope", configuration.scopes.joined(separator: " "))]
        if let audience = configuration.audience { fields.append(("audience", audience)) }
        let reply = try await post(endpoint, fields, until: deadline)
        guard reply.status == 200 else { throw failure(reply, endpoint: endpoint, grant: "device authorization") }
        let body: DeviceAuthorizationBody
        do { body = try JSONDecoder().decode(DeviceAuthorizationBody.self, from: Data(reply.body)) } catch {
            throw OAuthError(.malformedResponse, "\(endpoint) answered without device_code, user_code and expires_in")
        }
        guard let uri = body.verificationURI ?? body.verificationURL else {
            throw OAuthError(.malformedResponse, "\(endpoint) answered without a verification_uri")
        }
        // These are shown to the user and opened in the browser: HTTPS (or loopback) only, one line of
        // visible text.
        for (role, value) in [("verification_uri", uri), ("verification_uri_complete", body.verificationURIComplete)] {
            guard let value else { continue }
            guard Self.isPrintable(value) else {
                throw OAuthError(.malformedResponse, "\(endpoint) answered a \(role) with control characters or spaces")
            }
            try EndpointSecurity.check(value, role: "device sign-in page (\(role))")
        }
        guard Self.isPrintable(body.userCode) else {
            throw OAuthError(.malformedResponse, "\(endpoint) answered a user_code with control characters or spaces")
        }
        return DeviceAuthorization(
            deviceCode: Secret(body.deviceCode), userCode: body.userCode, verificationURI: uri,
            verificationURIComplete: body.verificationURIComplete, expiresIn: body.expiresIn,
            interval: body.interval ?? 5)
    }

    /// Polls the token endpoint until the user approves the device code (RFC 8628 §3.4–3.5):
    /// waits `interval` between polls, adds 5 s on `slow_down`, and stops at the code's expiry or
    /// `deadline`, whichever is first.
    public func pollDeviceToken(
        _ device: DeviceAuthorization, metadata: IdPMetadata, until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> TokenGrant {
        let expiry = min(deadline, ContinuousClock.now + .milliseconds(Int64(device.expiresIn * 1000)))
        var interval = Duration.milliseconds(Int64(device.interval * 1000))
        let fields = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device.deviceCode.reveal()),
        ]
        while true {
            if ContinuousClock.now + interval >= expiry {
                throw OAuthError(.expired, "the device code expired before the sign-in was approved; sign in again")
            }
            do { try await Task.sleep(for: interval) } catch {
                throw OAuthError(.expired, "the sign-in was cancelled")
            }
            do {
                return try await tokenRequest(fields, metadata: metadata, grant: "device code", until: expiry)
            } catch  where error.providerError == "authorization_pending" {
                continue
            } catch  where error.providerError == "slow_down" {
                interval += .seconds(5)
            }
        }
    }

    /// Revokes a token (RFC 7009) at the revocation endpoint of `metadata`, or of the provider's
    /// other metadata document. Returns false, revoking nothing, when neither names one.
    @discardableResult
    public func revoke(
        _ token: Secret, hint: String, metadata: IdPMetadata, until deadline: ContinuousClock.Instant
    )
        async throws(OAuthError) -> Bool
    {
        var endpoint = metadata.revocationEndpoint
        if endpoint == nil { endpoint = await supplement(metadata, until: deadline).revocationEndpoint }
        guard let endpoint else { return false }
        let reply = try await post(endpoint, [("token", token.reveal()), ("token_type_hint", hint)], until: deadline)
        guard reply.status == 200 else { throw failure(reply, endpoint: endpoint, grant: "revocation") }
        return true
    }

    /// Fetches a JSON document the provider publishes (the JWKS), as text: from the document cache
    /// while fresh, unless `fresh` (after a key the cached set does not have).
    public func fetchDocument(_ url: String, fresh: Bool = false, until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> String
    {
        try EndpointSecurity.check(url, role: "document")
        let reply = try await http.get(url, cached: !fresh, until: deadline)
        guard reply.status == 200 else {
            throw OAuthError(.rejected, "\(IdPHTTP.endpointName(url)) answered HTTP \(reply.status)")
        }
        return String(decoding: reply.body, as: UTF8.self)
    }

    // MARK: Plumbing

    private func tokenRequest(
        _ fields: [(String, String)], metadata: IdPMetadata, grant: String, until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> TokenGrant {
        let endpoint = metadata.tokenEndpoint
        let reply = try await post(endpoint, fields, until: deadline)
        guard reply.status == 200 else { throw failure(reply, endpoint: endpoint, grant: grant) }
        let body: TokenResponseBody
        do { body = try JSONDecoder().decode(TokenResponseBody.self, from: Data(reply.body)) } catch {
            var failure = OAuthError(
                .malformedResponse, "\(endpoint) answered the \(grant) grant without an access_token")
            failure.rotatedRefreshToken = TokenResponseBody.refreshToken(in: reply.body)
            throw failure
        }
        logger.debug("token grant succeeded", metadata: ["grant": "\(grant)"])
        return TokenGrant(
            accessToken: Secret(body.accessToken), refreshToken: body.refreshToken.map(Secret.init),
            idToken: body.idToken.map(Secret.init), expiresIn: body.expiresIn, scope: body.scope,
            receivedAt: reply.receivedAt)
    }

    /// A POST to `endpoint` with client authentication: HTTP Basic for confidential clients,
    /// `client_id` in the body for public ones.
    private func post(_ endpoint: String, _ fields: [(String, String)], until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> IdPHTTP.Reply
    {
        if let secret = configuration.clientSecret {
            return try await http.postForm(
                endpoint, fields, basicAuth: (configuration.clientID, secret), until: deadline)
        }
        return try await http.postForm(endpoint, [("client_id", configuration.clientID)] + fields, until: deadline)
    }

    func failure(_ reply: IdPHTTP.Reply, endpoint: String, grant: String) -> OAuthError {
        let parsed = try? JSONDecoder().decode(ErrorResponseBody.self, from: Data(reply.body))
        let detail = parsed.map { body in
            body.error + (body.errorDescription.map { ": " + String($0.prefix(200)) } ?? "")
        }
        let said = detail.map { "\($0) (HTTP \(reply.status))" } ?? "HTTP \(reply.status) with no OAuth error"
        switch (parsed?.error, reply.status) {
        case ("invalid_grant", _),
            (nil, 400) where grant == "refresh":
            return OAuthError(
                .invalidGrant, "the provider rejected the \(grant) grant: \(said)", providerError: "invalid_grant")
        case ("access_denied", _):
            return OAuthError(.accessDenied, "the sign-in was denied: \(said)", providerError: "access_denied")
        case ("expired_token", _):
            return OAuthError(
                .expired, "the device code expired: \(said); sign in again", providerError: "expired_token")
        case ("invalid_client", _), (nil, 401), (nil, 403):
            let client = "client \"\(configuration.clientID)\""
            let secretAdvice =
                configuration.clientSecret == nil
                ? "; if the provider registered it as a confidential client, give its secret with clientSecretFile "
                    + "or clientSecretEnv (or register a public client)"
                : " and that clientSecretFile or clientSecretEnv holds its current secret"
            return OAuthError(
                .rejected,
                "\(endpoint) does not accept \(client) (\(said)); check that clientId is the client registered at the "
                    + "provider\(secretAdvice)", providerError: parsed?.error)
        case ("unauthorized_client", _):
            return OAuthError(
                .rejected,
                "client \"\(configuration.clientID)\" may not use the \(grant) grant (\(said)); enable it for this client "
                    + "in the provider's client registration (grant types), or set the profile's \"grant\" to one the "
                    + "client is registered for", providerError: "unauthorized_client")
        default:
            return OAuthError(
                .rejected, "\(endpoint) refused the \(grant) grant: \(said)", providerError: parsed?.error)
        }
    }

    /// Whether `text` is non-empty visible ASCII (what a URL or a user code shown on a terminal may hold).
    static func isPrintable(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
