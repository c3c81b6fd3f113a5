import CredentialHelperProtocol
import HelperFastPath
import OAuthClient
import TokenStore

/// A `google-sts` profile: exchanges another profile's token for a Google access token at Google's
/// STS (``GoogleTokenExchange``) and keeps it in the token store, so that concurrent helpers
/// exchange once and a stored Google token is reused while it covers the host TTL. The subject
/// profile is obtained the usual way (its own store, lock, refresh and, in `interactive`, sign-in).
struct GoogleSTSSource {
    let profile: Profile
    let settings: Profile.GoogleSTSSettings
    let store: TokenStore
    let environment: [String: String]
    let now: @Sendable () -> Double
    /// The subject profile's token in a context.
    let subject: (HelperContext?) async throws(CredhelperFailure) -> Secret

    var key: TokenStoreKey { settings.storeKey }

    func credential(context: HelperContext?, notBefore: Double?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> Secret
    {
        let freshness = Freshness(profile: profile)
        if let cached = try read(), freshness.verdict(cached, now: now(), notBefore: notBefore) == .good {
            return cached.accessToken
        }
        return try await store.withLock(key, until: deadline, unavailable: CredhelperFailure.lockUnavailable) {
            () async throws(CredhelperFailure) -> Secret in
            if let cached = try read(), freshness.verdict(cached, now: now(), notBefore: notBefore) == .good {
                return cached.accessToken
            }
            // Google refused the Google token, not the company's: the subject need not be renewed.
            let subjectToken = try await subject(context == .midSessionRefresh ? .background : context)
            let grant = try await exchange(subjectToken, until: deadline)
            let record = StoredTokens(
                accessToken: grant.accessToken, obtainedAt: grant.receivedAt,
                expiresAt: grant.expiresIn.map { grant.receivedAt + $0 })
            do throws(TokenStoreError) { try store.write(record, for: key) } catch { throw .tokenStore(error) }
            return grant.accessToken
        }
    }

    private func exchange(_ subjectToken: Secret, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
        -> TokenGrant
    {
        let exchange = GoogleTokenExchange(
            tokenURL: settings.tokenURL, audience: settings.audience, subjectTokenType: settings.subjectTokenType,
            scopes: settings.scopes, workforcePoolUserProject: settings.workforcePoolUserProject,
            requestTimeout: settings.requestTimeout)
        do {
            let connection = try IdPConnection(caFile: nil, proxy: nil, environment: environment)
            return try await exchange.exchange(subjectToken, connection: connection, until: deadline)
        } catch {
            throw IdPSession.failure(error, profile: profile.name)
        }
    }

    private func read() throws(CredhelperFailure) -> StoredTokens? {
        do { return try store.read(key) } catch { throw .tokenStore(error) }
    }
}
