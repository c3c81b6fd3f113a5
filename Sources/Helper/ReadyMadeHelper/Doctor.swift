import CredentialHelperProtocol
import HelperFastPath
import OAuthClient
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ReadyHelper {
    /// `credhelper doctor` for one profile: each check as OK, WARN or FAIL with the fix, within
    /// about `budget` (every network step shares it). Prints nothing and never shows a secret; it
    /// signs nobody in and sends no token anywhere.
    public func doctor(profile: Profile, app: DoctorAppSettings, budget: Duration = .seconds(4)) async
        -> [DoctorFinding]
    {
        var report = DoctorReport(profile: profile.name)
        let record = profile.storeKey.flatMap { key in (try? store.read(key)) ?? nil }
        report.checkTTL(profile: profile, app: app, record: record)
        if case .awsChain(let chain) = profile.source {
            let chainSource = AWSChainSource(
                profile: profile, settings: chain, store: store, environment: environment,
                childEnvironment: childEnvironment, now: now)
            do {
                switch try chainSource.source() {
                case .keys(_, let origin): report.add("aws-chain", .ok, "AWS credentials from \(origin)")
                case .process(let command, let awsProfile):
                    _ = try chainSource.program(command, awsProfile: awsProfile)
                    report.add(
                        "aws-chain", .ok,
                        "AWS credentials from the credential_process of AWS profile \"\(awsProfile)\": \(command[0]) "
                            + "(run when a consumer asks; doctor does not run it)")
                }
            } catch {
                report.add("aws-chain", .fail, error.detail)
            }
            return report.findings
        }
        guard case .oauth(let settings) = profile.source else {
            report.add("provider", .ok, "profile \"\(profile.name)\" does not sign in to an identity provider")
            return report.findings
        }
        let deadline = ContinuousClock.now + budget
        let idpSource = oauthSource(profile, settings)
        await report.checkKeyring(idpSource.tokens, until: deadline)
        report.checkSignIn(record, profile: profile, now: now())
        if settings.grant != .clientCredentials, app.timeoutSeconds < 300 {
            report.add(
                "app-timeout", .warn,
                "inferenceCredentialHelperTimeoutSec is \(app.timeoutSeconds) s (\(app.source)); an interactive "
                    + "sign-in started by the app takes a person minutes and is stopped then",
                fix: "set inferenceCredentialHelperTimeoutSec to 300 (at most 600)")
        }
        guard let metadata = await report.checkProvider(idpSource.session, settings: settings, until: deadline) else {
            return report.findings
        }
        if settings.grant == .authorizationCode, metadata.authorizationEndpoint != nil {
            await report.checkRegistration(idpSource.session, metadata, profileName: profile.name, until: deadline)
        }
        return report.findings
    }
}

/// The findings of one profile, gathered check by check.
struct DoctorReport {
    let profile: String
    var findings: [DoctorFinding] = []

    mutating func add(_ code: String, _ level: DoctorFinding.Level, _ detail: String, fix: String? = nil) {
        findings.append(DoctorFinding(profile: profile, code: code, level: level, detail: detail, fix: fix))
    }

    /// The app TTL against `hostTtlSec` against the lifetime of the tokens the provider issued last.
    mutating func checkTTL(profile: Profile, app: DoctorAppSettings, record: StoredTokens?) {
        let hostTTL = Int(profile.hostTTL.components.seconds)
        let skew = Int(profile.skew.components.seconds)
        if app.ttlSeconds != hostTTL {
            add(
                "ttl-mismatch", .warn,
                "the app caches a credential for \(app.ttlSeconds) s (inferenceCredentialHelperTtlSec, \(app.source)) "
                    + "but profile \"\(profile.name)\" has hostTtlSec \(hostTTL)",
                fix: "set inferenceCredentialHelperTtlSec and the profile's hostTtlSec to the same value")
        } else {
            add("ttl-mismatch", .ok, "the app TTL and hostTtlSec are both \(hostTTL) s")
        }
        guard let record, let expiresAt = record.expiresAt else {
            add(
                "token-lifetime", .warn,
                "the provider's token lifetime is not known yet (no token with an expiry stored)",
                fix: "sign in (credhelper login --profile \(profile.name)) and run doctor again")
            return
        }
        let lifetime = Int(expiresAt - record.obtainedAt)
        let longest = max(lifetime - skew, 1)
        if app.ttlSeconds > lifetime {
            add(
                "token-lifetime", .fail,
                "the provider issues tokens valid for \(lifetime) s, but the app keeps each one for \(app.ttlSeconds) s: "
                    + "it would send expired tokens until the gateway refuses them",
                fix: "lower inferenceCredentialHelperTtlSec and hostTtlSec to at most \(longest) s, or have the "
                    + "provider issue longer-lived tokens")
        } else if hostTTL + skew > lifetime {
            add(
                "token-lifetime", .warn,
                "the provider issues tokens valid for \(lifetime) s, less than hostTtlSec plus skewSec "
                    + "(\(hostTTL + skew) s): every run refreshes",
                fix: "lower inferenceCredentialHelperTtlSec and hostTtlSec to at most \(longest) s")
        } else {
            add(
                "token-lifetime", .ok,
                "the provider issues tokens valid for \(lifetime) s, covering the \(hostTTL) s TTL")
        }
    }

    /// Whether the keyring answers, when the profile keeps its refresh token there.
    mutating func checkKeyring(_ tokens: ProfileTokens, until deadline: ContinuousClock.Instant) async {
        guard tokens.storage != .file else { return }
        do { _ = try await tokens.keyring.secret(for: tokens.key.digest, until: deadline) } catch {
            if tokens.storage == .keyring {
                add(
                    "keyring", .fail, "\(tokens.keyring.name) cannot be used: \(error.message)",
                    fix: "make the keyring reachable in this session, or set \"tokenStorage\": \"keyring-or-file\" "
                        + "to fall back to the 0600 token file")
            } else {
                add(
                    "keyring", .warn,
                    "\(tokens.keyring.name) cannot be used: \(error.message); the refresh token "
                        + "goes to the 0600 token file instead", fix: "make the keyring reachable in this session")
            }
            return
        }
        add("keyring", .ok, "\(tokens.keyring.name) answers")
    }

    /// The stored sign-in: none, a refresh token the provider rejected, or a usable one.
    mutating func checkSignIn(_ record: StoredTokens?, profile: Profile, now: Double) {
        let login = "run credhelper login --profile \(profile.name)"
        guard let record else {
            add("sign-in", .warn, "no one is signed in to profile \"\(profile.name)\"", fix: login)
            return
        }
        if let rejectedAt = record.refreshRejectedAt {
            let when = Date(timeIntervalSince1970: rejectedAt).formatted(.iso8601)
            add(
                "refresh-rejected", .fail,
                "the provider rejected the stored refresh token at \(when) (the session expired or was revoked); "
                    + "silent runs fail until the user signs in again", fix: login)
            return
        }
        let remaining = (record.expiresAt ?? .infinity) - now
        if remaining <= 0, !record.hasRefreshToken {
            add("sign-in", .warn, "the stored token expired and there is no refresh token", fix: login)
            return
        }
        let who = record.displayName ?? record.subject.map { "subject \($0)" } ?? "an unnamed user"
        add("sign-in", .ok, "signed in as \(who)" + (record.hasRefreshToken ? ", with a refresh token" : ""))
    }

    /// The CA and proxy settings, then discovery. Returns the metadata when the provider answered.
    mutating func checkProvider(
        _ session: IdPSession, settings: Profile.OAuthSettings, until deadline: ContinuousClock.Instant
    ) async -> IdPMetadata? {
        do { _ = try await session.client() } catch {
            add(
                "connection", .fail, error.detail,
                fix: "correct caFile or proxy in the profile (or SSL_CERT_FILE / HTTPS_PROXY in the environment)")
            return nil
        }
        let ca = settings.caFile.map { "caFile \($0) and the system's CAs" } ?? "the system's CAs"
        add("connection", .ok, "trusting \(ca); proxy: \(settings.proxy ?? "from HTTPS_PROXY, if set")")
        do {
            let metadata = try await session.metadata(until: deadline)
            add("discovery", .ok, "\(settings.issuer) publishes its metadata")
            return metadata
        } catch {
            if error.detail.contains("caFile") {
                add(
                    "ca", .fail, "the provider's TLS certificate is not trusted with \(ca): \(error.detail)",
                    fix: "set caFile in the profile to the PEM of the CA that issued the provider's certificate")
            } else {
                add(
                    "discovery", .fail, error.detail,
                    fix: "check the issuer (or discoveryURL) in the profile and that this machine reaches it")
            }
            return nil
        }
    }

    /// The client registration and redirect URI, probed as a sign-in would (``SignInPreflight``).
    mutating func checkRegistration(
        _ session: IdPSession, _ metadata: IdPMetadata, profileName: String,
        until deadline: ContinuousClock.Instant
    ) async {
        let settings = session.settings
        guard let client = try? await session.client() else { return }
        let listener: LoopbackRedirectListener
        do {
            listener = try await LoopbackRedirectListener.start(port: settings.redirectPort, expectedState: "doctor")
        } catch {
            add("redirect-uri", .fail, error.description, fix: "free the port, or change redirectPort in the profile")
            return
        }
        let redirectURI = listener.redirectURI
        await listener.stop()
        let preflight = SignInPreflight(
            client: client, metadata: metadata, settings: settings, profileName: profileName)
        switch await preflight.verdict(redirectURI: redirectURI, until: deadline) {
        case .accepted:
            add("client-registration", .ok, "the provider starts sign-ins for client \"\(settings.clientID)\"")
            add("redirect-uri", .ok, "\(redirectURI) is accepted")
        case .unknownClient(let refusal):
            add(
                "client-registration", .fail,
                SignInPreflight.unknownClientAdvice(settings, profileName, refusal),
                fix: "set clientId to the client registered at the provider")
        case .unregisteredRedirect(let refusal):
            add("client-registration", .ok, "the provider knows client \"\(settings.clientID)\"")
            add(
                "redirect-uri", .fail,
                SignInPreflight.unregisteredRedirectAdvice(settings, profileName, redirectURI, refusal),
                fix: "register \(redirectURI) for the client, or set redirectPort to the registered port")
        case .inconclusive(let reason):
            add(
                "client-registration", .warn, "the authorization endpoint could not be checked: \(reason)",
                fix: "run doctor again; if it persists, check the provider")
        }
    }
}
