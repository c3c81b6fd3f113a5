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
        try await store.storedOrObtained(
            key, freshness: Freshness(profile: profile), now: now, notBefore: notBefore, until: deadline
        ) { () async throws(CredhelperFailure) -> StoredTokens in
            // Google refused the Google token, not the company's: the subject need not be renewed.
            let subjectToken = try await subject(context == .midSessionRefresh ? .background : context)
            let grant = try await exchange(subjectToken, until: deadline)
            return StoredTokens(
                accessToken: grant.accessToken, obtainedAt: grant.receivedAt,
                expiresAt: grant.expiresIn.map { grant.receivedAt + $0 })
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

}
