import CredentialHelperProtocol
import HelperFastPath
import OAuthClient
import OSKeyring
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The ready-made helper: obtains a profile's credential the way docs/protocol.md §6 asks, and signs
/// people in, out, and reports who is signed in.
///
/// In every context but `interactive` only the silent path runs (cached token, refresh, client
/// credentials) and fails fast when it is exhausted (`sign-in required`, `refresh rejected …`);
/// `interactive` falls back to a browser or device sign-in whenever the silent path is exhausted.
/// The cached path touches no network and builds no HTTP client.
public struct ReadyHelper: Sendable {
    /// The profiles.
    public let catalog: ProfileCatalog
    /// Where tokens are kept.
    public let store: TokenStore
    let environment: [String: String]
    /// The keyring for `"tokenStorage": "keyring"` profiles; nil: this system's
    /// (``SystemKeyring/make(environment:)`` with the tools' environment).
    let keyring: (any Keyring)?
    let say: @Sendable (String) -> Void
    let now: @Sendable () -> Double

    /// A ready-made helper over `catalog`. `say` receives each line meant for the user's stderr. `keyring`
    /// replaces the system keyring (nil: the system's).
    public init(
        catalog: ProfileCatalog, store: TokenStore, environment: [String: String], keyring: (any Keyring)? = nil,
        say: @escaping @Sendable (String) -> Void,
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.catalog = catalog
        self.store = store
        self.environment = environment
        self.keyring = keyring
        self.say = say
        self.now = now
    }

    /// The protocol answer for `profile` in `context` (nil: a host that sets no context, treated as
    /// silent-only).
    public func answer(profile: Profile, context: HelperContext?) async throws(CredhelperFailure) -> HelperAnswer {
        let deadline = ContinuousClock.now + profile.silentBudget(for: context ?? .background)
        // A rejected credential must not come back: only a token obtained from now on will do.
        let notBefore = context == .midSessionRefresh ? now() : nil
        let token: Secret
        switch profile.source {
        case .literal(let secret): token = secret
        case .file(let path): token = try FileSource.read(path)
        case .exec(let settings):
            token = try await CommandSource(
                profile: profile, settings: settings, store: store, environment: childEnvironment, now: now
            ).credential(context: context ?? .background, notBefore: notBefore, until: deadline)
        case .googleSTS(let settings):
            let subject = try googleSTSSubject(of: profile, settings)
            token = try await GoogleSTSSource(
                profile: profile, settings: settings, store: store, environment: environment, now: now,
                subject: { (context) async throws(CredhelperFailure) -> Secret in
                    try await answer(profile: subject, context: context).token
                }
            ).credential(context: context, notBefore: notBefore, until: deadline)
        case .awsChain:
            throw CredhelperFailure(
                .configuration,
                "profile \"\(profile.name)\" is an aws-chain profile: it hands out AWS credentials, not a token; run "
                    + "it as credhelper-\(profile.name)@bedrock-key (the app's helper with Bedrock), "
                    + "@credential-process or @aws-export")
        case .oauth(let settings):
            let idpSource = oauthSource(profile, settings)
            do {
                token = try await idpSource.silentCredential(notBefore: notBefore, until: deadline)
            } catch let failure where context == .interactive && failure.code.isRecoverableBySignIn {
                // The user is here: an exhausted silent path (no sign-in, an expired or revoked session)
                // is what interactive sign-in is for.
                if failure.code != .signInRequired { say("\(failure.code.rawValue); signing in again") }
                let signIn = InteractiveSignIn(
                    idpSource: idpSource, browser: BrowserOpener(environment: childEnvironment), say: say)
                let record = try await signIn.run(
                    device: settings.grant == .device, reuseValid: true, until: ContinuousClock.now + .seconds(600))
                token = record.accessToken
            }
        }
        return profile.answer(token: token)
    }

    /// Signs in to an OAuth profile interactively (`credhelper login`).
    public func login(profile: Profile, device: Bool, timeout: Duration = .seconds(600)) async throws(CredhelperFailure)
        -> StoredTokens
    {
        guard case .oauth(let settings) = profile.source else {
            throw CredhelperFailure(
                .configuration, "profile \"\(profile.name)\" is not an oauth profile; there is nothing to sign in to")
        }
        let idpSource = oauthSource(profile, settings)
        if settings.grant == .clientCredentials {
            _ = try await idpSource.silentCredential(until: ContinuousClock.now + timeout)
            return try idpSource.readStore() ?? StoredTokens(accessToken: Secret(""), obtainedAt: now(), expiresAt: nil)
        }
        let signIn = InteractiveSignIn(
            idpSource: idpSource, browser: BrowserOpener(environment: childEnvironment), say: say)
        let tokens = try await signIn.run(
            device: device || settings.grant == .device, reuseValid: false, until: ContinuousClock.now + timeout)
        // The new sign-in may be another user: what was derived from the previous one (an AWS role
        // session, exchanged Google tokens) must not be handed out in its name.
        try removeAWSSession(settings)
        try removeExchangedTokens(subject: profile.name)
        return tokens
    }

    /// What a sign-out did.
    public struct LogoutOutcome: Sendable, Hashable {
        /// Whether tokens were stored (and are now removed).
        public var removed: Bool
        /// Whether a refresh token was stored, and then whether the provider revoked it.
        public var revocation: Revocation

        public enum Revocation: Sendable, Hashable {
            /// No refresh token was stored: nothing to revoke.
            case notNeeded
            case revoked
            /// The provider publishes no revocation endpoint: the refresh token stays valid until it expires.
            case unsupported
            /// The provider could not be reached or refused; the message says why.
            case failed(String)
        }
    }

    /// Removes a profile's stored tokens (and its keyring item), revoking the refresh token at the
    /// provider when it offers revocation (best effort: a provider that cannot be reached does not
    /// keep the tokens on disk).
    public func logout(profile: Profile) async throws(CredhelperFailure) -> LogoutOutcome {
        if case .awsChain(let chain) = profile.source {
            // The credentials a credential_process printed, kept until they expire.
            let source = AWSChainSource(
                profile: profile, settings: chain, store: store, environment: environment,
                childEnvironment: childEnvironment, now: now)
            return LogoutOutcome(removed: try source.removeKept(), revocation: .notNeeded)
        }
        guard let key = profile.storeKey else { return LogoutOutcome(removed: false, revocation: .notNeeded) }
        // A Google token exchanged for this profile's credential must not outlive its sign-in either.
        try removeExchangedTokens(subject: profile.name)
        guard case .oauth(let settings) = profile.source else {
            do { return LogoutOutcome(removed: try store.remove(key), revocation: .notNeeded) } catch {
                throw CredhelperFailure(.tokenStoreUnreadable, error.description)
            }
        }
        let idpSource = oauthSource(profile, settings)
        let deadline = ContinuousClock.now + .seconds(10)
        var revocation = LogoutOutcome.Revocation.notNeeded
        if let record = try? await idpSource.tokens.readWithSecrets(until: deadline),
            let refreshToken = record.refreshToken
        {
            do {
                let metadata = try await idpSource.session.metadata(until: deadline)
                let revoked = try await idpSource.session.client().revoke(
                    refreshToken, hint: "refresh_token", metadata: metadata, until: deadline)
                revocation = revoked ? .revoked : .unsupported
            } catch {
                revocation = .failed("\(error)")
            }
        }
        try removeAWSSession(settings)
        return LogoutOutcome(removed: try await idpSource.tokens.remove(until: deadline), revocation: revocation)
    }

    /// Deletes the stored tokens of the `google-sts` profiles whose subject profile is `subject`.
    private func removeExchangedTokens(subject: String) throws(CredhelperFailure) {
        for dependent in catalog.profiles.values {
            guard case .googleSTS(let settings) = dependent.source, settings.subjectProfile == subject else { continue }
            do { try store.remove(settings.storeKey) } catch {
                throw CredhelperFailure(.tokenStoreUnreadable, error.description)
            }
        }
    }

    /// What `credhelper status` shows for a profile: never a secret.
    public func status(profile: Profile) -> ProfileStatus {
        var status = ProfileStatus(profile: profile.name)
        if case .oauth(let settings) = profile.source { status.issuer = settings.issuer }
        if case .file(let path) = profile.source { status.storePath = path }
        guard let key = profile.storeKey else { return status }
        status.storePath = store.path(for: key)
        do {
            guard let record = try store.read(key) else { return status }
            status.signedIn = true
            status.subject = record.displayName ?? record.subject
            status.expiresIn = record.expiresAt.map { $0 - now() }
            status.refreshTokenPresent = record.hasRefreshToken
            if record.hasRefreshToken {
                status.refreshTokenIn = record.inKeyring?.refreshToken == true ? "keyring" : "file"
            }
            status.lastRuns = lastRuns(of: profile)
            status.coversHostTTL = Freshness(profile: profile).verdict(record, now: now()) == .good
            if case .oauth(let settings) = profile.source {
                status.describe(record, settings: settings)
            } else {
                status.describe(record, settings: nil)
            }
        } catch {
            status.problem = error.description
        }
        return status
    }

    /// What child processes (`exec` tools, the browser opener) inherit: this process's environment
    /// without the variables any profile reads a client secret from (`clientSecretEnv`).
    var childEnvironment: [String: String] {
        let secretVariables = Set(
            catalog.profiles.values.compactMap { profile -> String? in
                guard case .oauth(let settings) = profile.source else { return nil }
                return settings.clientSecretEnvironment
            })
        return environment.filter { !secretVariables.contains($0.key) }
    }

    /// The subject profile of a `google-sts` profile: it must exist and not be another exchange.
    private func googleSTSSubject(of profile: Profile, _ settings: Profile.GoogleSTSSettings) throws(CredhelperFailure)
        -> Profile
    {
        guard let subject = catalog.profiles[settings.subjectProfile] else {
            throw CredhelperFailure(
                .configuration,
                "profile \"\(profile.name)\" exchanges the token of profile \"\(settings.subjectProfile)\", which is not in "
                    + "\(catalog.filesDescription); set \"subjectProfile\" to one of its profiles")
        }
        if case .googleSTS = subject.source {
            throw CredhelperFailure(
                .configuration,
                "profile \"\(profile.name)\" exchanges the token of profile \"\(subject.name)\", itself a google-sts "
                    + "profile; set \"subjectProfile\" to the profile that signs in to your identity provider")
        }
        return subject
    }

    func oauthSource(_ profile: Profile, _ settings: Profile.OAuthSettings) -> OAuthSource {
        let session = IdPSession(
            settings: settings, profileName: profile.name, environment: environment,
            documentCache: IdPDocumentCache(directory: store.directory + "/metadata"))
        let say = say
        let warn: @Sendable (String) -> Void = { say("warning: \($0)") }
        let tokens = ProfileTokens(
            store: store, key: settings.storeKey, storage: settings.tokenStorage,
            keyring: keyring ?? SystemKeyring.make(environment: childEnvironment), profileName: profile.name,
            warn: warn)
        return OAuthSource(profile: profile, session: session, tokens: tokens, warn: warn, now: now)
    }
}

/// A profile's sign-in state, without secrets.
public struct ProfileStatus: Sendable, Hashable, Codable {
    /// The profile name.
    public var profile: String
    /// The issuer, for OAuth profiles.
    public var issuer: String?
    /// Where the tokens are stored.
    public var storePath: String?
    /// Whether tokens are stored.
    public var signedIn = false
    /// Who signed in (name, email or subject), when known.
    public var subject: String?
    /// Seconds until the stored credential expires (negative: expired); nil when unknown.
    public var expiresIn: Double?
    /// Whether a refresh token is stored.
    public var refreshTokenPresent = false
    /// Where the refresh token is: `keyring` or `file`.
    public var refreshTokenIn: String?
    /// Whether the stored credential would be printed as it is (it covers the host TTL).
    public var coversHostTTL = false
    /// A problem reading the store.
    public var problem: String?
    /// The profile's last runs in helper mode, oldest first, from the run log (``RunLog``).
    public var lastRuns: [RunLog.Entry]?
    /// When the stored credential expires (ISO 8601, UTC), when known.
    public var tokenExpiresAt: String?
    /// The granted scopes (the requested ones when the provider did not say).
    public var scopes: [String]?
    /// The token's audience: its `aud` claim, else the audience the profile asks for.
    public var audience: [String]?
    /// When the provider rejected the stored refresh token (ISO 8601, UTC): silent runs fail until
    /// the user signs in again.
    public var refreshRejectedAt: String?
    /// The credhelper version that reported it (``CredhelperVersion/current``).
    public var credhelperVersion: String? = CredhelperVersion.current

    init(profile: String) { self.profile = profile }
}
