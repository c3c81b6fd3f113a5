import CredentialHelperProtocol
import CredentialSupport
import HelperFastPath
import OAuthClient
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything an OAuth profile needs to talk to its provider, built only when the provider must be
/// called: the client (with its secret), the discovered metadata, and turning grants into stored
/// records (expiry on this machine's clock, ID-token verification).
actor IdPSession {
    let settings: Profile.OAuthSettings
    let profileName: String
    private let environment: [String: String]
    private let documentCache: IdPDocumentCache?
    private var cachedClient: OAuthClient?
    private var cachedMetadata: IdPMetadata?

    init(
        settings: Profile.OAuthSettings, profileName: String, environment: [String: String],
        documentCache: IdPDocumentCache? = nil
    ) {
        self.settings = settings
        self.profileName = profileName
        self.environment = environment
        self.documentCache = documentCache
    }

    /// The store key: issuer, client id, scopes, audience.
    nonisolated var storeKey: TokenStoreKey { settings.storeKey }

    func client() throws(CredhelperFailure) -> OAuthClient {
        if let cachedClient { return cachedClient }
        var configuration = OAuthClientConfiguration(
            issuer: settings.issuer, clientID: settings.clientID, clientSecret: try clientSecret(),
            scopes: settings.scopes, audience: settings.audience, discoveryURL: settings.discoveryURL,
            requestTimeout: settings.requestTimeout)
        configuration.documentCache = documentCache
        let connection: IdPConnection
        do {
            connection = try IdPConnection(
                caFile: settings.caFile, proxy: settings.proxy, environment: environment)
            try connection.validate()
        } catch {
            throw CredhelperFailure(.configuration, error.description)
        }
        configuration.endpoints = EndpointOverrides(
            authorization: settings.endpoints["authorizationEndpoint"], token: settings.endpoints["tokenEndpoint"],
            deviceAuthorization: settings.endpoints["deviceAuthorizationEndpoint"],
            revocation: settings.endpoints["revocationEndpoint"], jwks: settings.endpoints["jwksUri"])
        let client = OAuthClient(configuration, connection: connection)
        cachedClient = client
        return client
    }

    func metadata(until deadline: ContinuousClock.Instant) async throws(CredhelperFailure) -> IdPMetadata {
        if let cachedMetadata { return cachedMetadata }
        let client = try client()
        do {
            let metadata = try await client.discover(until: deadline)
            cachedMetadata = metadata
            return metadata
        } catch {
            client.forgetCachedDocuments()
            throw Self.failure(error, profile: profileName)
        }
    }

    /// Drops the cached discovery documents and JWKS after a request to an endpoint they named failed
    /// for a reason other than the grant itself, so the next run looks them up again.
    func forgetDocuments(after error: OAuthError) {
        guard ![.invalidGrant, .accessDenied, .expired].contains(error.code) else { return }
        cachedClient?.forgetCachedDocuments(also: cachedMetadata?.jwksURI.map { [$0] } ?? [])
    }

    /// A stored record from a grant. `previous` supplies what the grant left out (a refresh token
    /// without rotation, the signed-in user). The ID token is verified when it is the credential or
    /// the grant is a new sign-in (`signIn`; with the browser flow, `nonce` is checked too).
    func record(
        from grant: TokenGrant, previous: StoredTokens?, signIn: Bool = false, nonce: String? = nil,
        until deadline: ContinuousClock.Instant
    ) async throws(CredhelperFailure) -> StoredTokens {
        var claims: IDTokenClaims?
        if let idToken = grant.idToken, verifiesIDToken(signIn: signIn) {
            claims = try await verify(idToken, nonce: nonce, until: deadline)
        }
        let credential: Secret
        let expiresAt: Double?
        switch settings.credential {
        case .accessToken:
            credential = grant.accessToken
            let times = UnverifiedJWT.times(of: grant.accessToken)
            expiresAt = TokenExpiry.expiresAt(
                expiresIn: grant.expiresIn, jwtExpiry: times.expiresAt, jwtIssuedAt: times.issuedAt,
                receivedAt: grant.receivedAt)
        case .idToken:
            guard let idToken = grant.idToken, let claims else {
                throw CredhelperFailure(
                    .providerError,
                    "the provider issued no ID token but profile \"\(profileName)\" uses one; add the openid scope")
            }
            credential = idToken
            expiresAt = TokenExpiry.expiresAt(
                expiresIn: nil, jwtExpiry: claims.expiresAt, jwtIssuedAt: claims.issuedAt, receivedAt: grant.receivedAt)
        }
        // A refresh token the provider rejected is never carried over into a new record.
        let previousRefresh = previous?.refreshRejectedAt == nil ? previous?.refreshToken : nil
        var record = StoredTokens(
            accessToken: credential, refreshToken: grant.refreshToken ?? previousRefresh,
            idToken: grant.idToken ?? previous?.idToken, obtainedAt: grant.receivedAt, expiresAt: expiresAt,
            scope: grant.scope ?? previous?.scope, subject: claims?.subject ?? previous?.subject,
            displayName: claims?.displayName ?? previous?.displayName)
        record.shortLifetimeWarned = previous?.shortLifetimeWarned
        return record
    }

    /// Whether ``record(from:previous:signIn:nonce:until:)`` checks the ID token, and so can fail
    /// after the provider answered: on a sign-in, and when the ID token is the credential.
    nonisolated func verifiesIDToken(signIn: Bool) -> Bool { signIn || settings.credential == .idToken }

    private func verify(_ idToken: Secret, nonce: String?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> IDTokenClaims
    {
        let metadata = try await metadata(until: deadline)
        guard let jwksURI = metadata.jwksURI else {
            throw CredhelperFailure(
                .providerError, "\(settings.issuer) publishes no jwks_uri, so its ID token cannot be verified")
        }
        let client = try client()
        var fresh = false
        while true {
            do {
                let jwks = try await client.fetchDocument(jwksURI, fresh: fresh, until: deadline)
                return try await IDTokenVerifier().verify(
                    idToken, jwksJSON: jwks, issuer: metadata.issuer, clientID: settings.clientID, nonce: nonce,
                    now: Date().timeIntervalSince1970)
            } catch let error where error.code == .idTokenRejected && !fresh && documentCache != nil {
                fresh = true  // signed with a key the cached set predates: fetch the set again, once
            } catch {
                throw Self.failure(error, profile: profileName)
            }
        }
    }

    private func clientSecret() throws(CredhelperFailure) -> Secret? {
        if let variable = settings.clientSecretEnvironment {
            guard let value = environment[variable], !value.isEmpty else {
                throw CredhelperFailure(
                    .configuration,
                    "profile \"\(profileName)\" reads its client secret from $\(variable), which is not set")
            }
            return Secret(value)
        }
        guard let path = settings.clientSecretFile else { return nil }
        do {
            guard let bytes = try SecureFile.contents(of: path, role: "the client secret file", limit: 16 * 1024) else {
                throw CredhelperFailure(.configuration, "the client secret file \(path) does not exist")
            }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else {
                throw CredhelperFailure(.configuration, "the client secret file \(path) is empty")
            }
            return Secret(text)
        } catch let error as SecureFile.Failure {
            throw CredhelperFailure(.configuration, "client secret file: \(error.description)")
        } catch let error as CredhelperFailure {
            throw error
        } catch {
            throw CredhelperFailure(.configuration, "\(error)")
        }
    }

    /// The credhelper failure for a provider error.
    static func failure(_ error: OAuthError, profile: String) -> CredhelperFailure {
        switch error.code {
        case .unreachable, .timedOut: CredhelperFailure(.providerUnreachable, error.description)
        case .invalidGrant:
            CredhelperFailure(.refreshRejected, "\(error.description); \(CredhelperFailure.loginCommand(profile))")
        case .insecureEndpoint, .discovery: CredhelperFailure(.configuration, error.description)
        case .accessDenied, .expired, .redirectRejected: CredhelperFailure(.signInFailed, error.description)
        case .rejected, .malformedResponse, .idTokenRejected, .unsupported:
            CredhelperFailure(.providerError, error.description)
        }
    }
}
