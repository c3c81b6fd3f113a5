import CredentialHelperProtocol
import HelperFastPath
import OAuthClient
import TokenStore

/// Signing a user in: the browser (authorization code + PKCE on a loopback redirect) or the device
/// authorization grant. One sign-in at a time per profile across processes: others wait for the
/// `signin` lock, then find the new tokens in the store.
struct InteractiveSignIn {
    let idpSource: OAuthSource
    let browser: BrowserOpener
    let say: @Sendable (String) -> Void

    var session: IdPSession { idpSource.session }
    var settings: Profile.OAuthSettings { idpSource.settings }

    /// Signs in and stores the tokens. With `reuseValid`, a sign-in finished by another process while
    /// this one waited is used instead of starting another.
    func run(device: Bool, reuseValid: Bool, until deadline: ContinuousClock.Instant) async throws(CredhelperFailure)
        -> StoredTokens
    {
        return try await idpSource.store.withLock(idpSource.key, named: "signin", until: deadline) {
            (error) async throws(CredhelperFailure) -> StoredTokens in
            guard error.code == .lockTimeout else { throw .tokenStore(error) }
            throw CredhelperFailure(
                .signInFailed, "another sign-in for this profile is still waiting for the user; finish it first")
        } _: { () async throws(CredhelperFailure) -> StoredTokens in
            if reuseValid, let latest = try idpSource.readStore(),
                idpSource.freshness.verdict(latest, now: idpSource.now()) == .good
            {
                return latest
            }
            try await idpSource.tokens.requireKeyring(until: deadline)
            let previous = try? await idpSource.tokens.readWithSecrets(until: deadline)
            var record = try await signIn(device: device, previous: previous ?? nil, until: deadline)
            idpSource.warnIfShortLived(&record)
            try await write(record, until: deadline)
            return record
        }
    }

    private func write(_ record: StoredTokens, until deadline: ContinuousClock.Instant) async throws(CredhelperFailure)
    {
        try await idpSource.store.withLock(
            idpSource.key, until: deadline, unavailable: CredhelperFailure.lockUnavailable
        ) {
            () async throws(CredhelperFailure) in
            try await idpSource.tokens.write(record, until: deadline)
        }
    }

    private func signIn(device: Bool, previous: StoredTokens?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> StoredTokens
    {
        let metadata = try await session.metadata(until: deadline)
        let client = try await session.client()
        do {
            if device || metadata.authorizationEndpoint == nil {
                return try await deviceSignIn(client, metadata, previous: previous, until: deadline)
            }
            return try await browserSignIn(client, metadata, previous: previous, until: deadline)
        } catch let error as OAuthError {
            throw IdPSession.failure(error, profile: idpSource.profile.name)
        } catch let failure as CredhelperFailure {
            throw failure
        } catch {
            throw CredhelperFailure(.signInFailed, "\(error)")
        }
    }

    private func browserSignIn(
        _ client: OAuthClient, _ metadata: IdPMetadata, previous: StoredTokens?,
        until deadline: ContinuousClock.Instant
    ) async throws -> StoredTokens {
        let pkce = PKCE.generate()
        let state = PKCE.randomToken(bytes: 16)
        let nonce = PKCE.randomToken(bytes: 16)
        let listener = try await LoopbackRedirectListener.start(
            port: settings.redirectPort, expectedState: state, issuer: metadata.issuer,
            issuerRequired: metadata.authorizationResponseIssParameterSupported == true)
        let url: String
        do {
            url = try client.authorizationURL(
                metadata: metadata, redirectURI: listener.redirectURI, pkce: pkce, state: state, nonce: nonce)
        } catch {
            await listener.stop()
            throw error
        }
        let preflight = SignInPreflight(
            client: client, metadata: metadata, settings: settings, profileName: idpSource.profile.name)
        let verdict = await preflight.verdict(redirectURI: listener.redirectURI, until: deadline)
        if let failure = preflight.failure(verdict, redirectURI: listener.redirectURI) {
            await listener.stop()
            throw failure
        }
        say("Sign in to \(settings.issuer) in your browser. If it does not open, visit:\n  \(url)")
        let launch = browser.open(url, say: say)
        let started = ContinuousClock.now
        let redirect: LoopbackRedirectListener.Redirect
        do {
            redirect = try await listener.waitForRedirect(until: deadline)
        } catch {
            await listener.stop()
            guard error.code == .expired else { throw error }
            let timeout = SignInTimeout(
                waited: ContinuousClock.now - started, redirectURI: listener.redirectURI, browser: launch.state,
                profileName: idpSource.profile.name)
            throw timeout.failure
        }
        await listener.stop()
        let grant = try await client.exchangeAuthorizationCode(
            redirect.code, redirectURI: listener.redirectURI, pkce: pkce, metadata: metadata, until: deadline)
        return try await session.record(from: grant, previous: previous, signIn: true, nonce: nonce, until: deadline)
    }

    private func deviceSignIn(
        _ client: OAuthClient, _ metadata: IdPMetadata, previous: StoredTokens?,
        until deadline: ContinuousClock.Instant
    ) async throws -> StoredTokens {
        let authorization = try await client.requestDeviceCode(metadata: metadata, until: deadline)
        say(
            "To sign in to \(settings.issuer), visit \(authorization.verificationURI) and enter the code "
                + "\(authorization.userCode)")
        if let complete = authorization.verificationURIComplete { browser.open(complete, say: say) }
        let grant = try await client.pollDeviceToken(authorization, metadata: metadata, until: deadline)
        return try await session.record(from: grant, previous: previous, signIn: true, until: deadline)
    }
}
