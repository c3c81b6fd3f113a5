import AWSCredentials
import AWSSigning
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
    /// The AWS credentials of `profile`'s role (its `"aws"` settings): the stored session while it
    /// is fresh, else, under the session's lock (so that concurrent helpers make one STS call), the
    /// profile's credential from the silent path exchanged at STS with `AssumeRoleWithWebIdentity`.
    ///
    /// In `interactive`, an exhausted silent path or a web identity STS calls expired leads to a
    /// sign-in; elsewhere it fails at once with `sign-in required`.
    public func awsCredentials(profile: Profile, context: HelperContext?) async throws(CredhelperFailure)
        -> AWSSessionCredentials
    {
        if case .awsChain(let chain) = profile.source {
            return try await AWSChainSource(
                profile: profile, settings: chain, store: store, environment: environment,
                childEnvironment: childEnvironment, now: now
            ).credentials(context: context)
        }
        guard case .oauth(let settings) = profile.source, let aws = settings.aws else {
            throw CredhelperFailure(
                .configuration,
                "profile \"\(profile.name)\" has no \"aws\" settings; add \"aws\": {\"roleArn\": …, \"region\": …} to "
                    + "an oauth profile, or use an aws-chain profile (docs/clouds.md, Amazon Bedrock)")
        }
        let sessions = AWSSessionStore(store: store, key: settings.awsStoreKey(aws))
        let now = now()
        // In mid-session-refresh the host's key was refused: only a session obtained from now on will do.
        let notBefore = context == .midSessionRefresh ? now : -Double.infinity
        if let record = try sessions.read(), record.obtainedAt >= notBefore,
            record.isFresh(profile: profile, aws: aws, now: now)
        {
            return record.credentials
        }
        let deadline = ContinuousClock.now + profile.silentBudget(for: context ?? .background)
        return try await store.withLock(sessions.key, until: deadline, unavailable: CredhelperFailure.lockUnavailable) {
            () async throws(CredhelperFailure) in
            if let record = try sessions.read(), record.obtainedAt >= notBefore,
                record.isFresh(profile: profile, aws: aws, now: self.now())
            {
                return record.credentials
            }
            return try await assumeRole(profile, settings, aws, sessions, context: context, until: deadline)
        }
    }

    /// Deletes the stored AWS session of a profile with `"aws"` settings (at sign-out: the role's
    /// credentials must not outlive the sign-in they came from).
    func removeAWSSession(_ settings: Profile.OAuthSettings) throws(CredhelperFailure) {
        guard let aws = settings.aws else { return }
        try AWSSessionStore(store: store, key: settings.awsStoreKey(aws)).remove()
    }

    private func assumeRole(
        _ profile: Profile, _ settings: Profile.OAuthSettings, _ aws: Profile.AWSSettings, _ sessions: AWSSessionStore,
        context: HelperContext?, until deadline: ContinuousClock.Instant
    ) async throws(CredhelperFailure) -> AWSSessionCredentials {
        let sts = try stsClient(settings, aws)
        var token = try await webIdentityToken(profile, settings, context: context, signIn: false, until: deadline)
        var request = STSClient.Request(
            roleARN: aws.roleARN,
            sessionName: try Self.sessionName(token, claim: aws.sessionNameClaim, profile: profile.name),
            webIdentityToken: token, durationSeconds: aws.duration)
        let credentials: AWSSessionCredentials
        do {
            credentials = try await sts.assumeRole(request, profile: profile.name, until: deadline)
        } catch let failure where failure.code == .signInRequired && context == .interactive {
            // STS refused the sign-in's token as expired though the store still trusted it: sign in again.
            say("\(failure.code.rawValue); signing in again")
            token = try await webIdentityToken(profile, settings, context: context, signIn: true, until: deadline)
            request.webIdentityToken = token
            credentials = try await sts.assumeRole(
                request, profile: profile.name, until: ContinuousClock.now + settings.requestTimeout)
        }
        try sessions.write(
            AWSSessionRecord(
                credentials: credentials, obtainedAt: now(), roleARN: aws.roleARN, sessionName: request.sessionName))
        return credentials
    }

    /// STS over the profile's connection, as its identity provider is reached (its `caFile` added
    /// to the trusted roots, its `proxy` or `HTTPS_PROXY` with `NO_PROXY`), so an STS endpoint
    /// behind the same corporate network is reached the same way.
    private func stsClient(
        _ settings: Profile.OAuthSettings, _ aws: Profile.AWSSettings
    ) throws(CredhelperFailure) -> STSClient {
        do {
            let connection = try IdPConnection(caFile: settings.caFile, proxy: settings.proxy, environment: environment)
            try connection.validate()
            return STSClient(
                endpoint: aws.stsEndpoint, requestTimeout: settings.requestTimeout,
                client: try connection.route(for: aws.stsEndpoint).client)
        } catch {
            throw CredhelperFailure(.configuration, "\(error.description) (for AWS STS at \(aws.stsEndpoint))")
        }
    }

    /// The profile's credential (ID token or access token) from the silent path; in `interactive`,
    /// from a sign-in when the silent path is exhausted or `signIn` demands one.
    private func webIdentityToken(
        _ profile: Profile, _ settings: Profile.OAuthSettings, context: HelperContext?, signIn: Bool,
        until deadline: ContinuousClock.Instant
    ) async throws(CredhelperFailure) -> Secret {
        let idpSource = oauthSource(profile, settings)
        if !signIn {
            do { return try await idpSource.silentCredential(until: deadline) } catch let failure
                where context == .interactive && failure.code.isRecoverableBySignIn
            {
                if failure.code != .signInRequired { say("\(failure.code.rawValue); signing in again") }
            }
        }
        let interactive = InteractiveSignIn(
            idpSource: idpSource, browser: BrowserOpener(environment: childEnvironment), say: say)
        return try await interactive.run(
            device: settings.grant == .device, reuseValid: !signIn, until: ContinuousClock.now + .seconds(600)
        ).accessToken
    }

    /// The role session name: the web identity token's `claim`, with characters STS refuses replaced
    /// by `-`, cut to 64 (STS allows `[\w+=,.@-]{2,64}`).
    static func sessionName(_ token: Secret, claim: String, profile: String) throws(CredhelperFailure) -> String {
        let parts = token.reveal().split(separator: ".")
        var payload = parts.count == 3 ? String(parts[1]) : ""
        payload = payload.replacing("-", with: "+").replacing("_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        guard let data = Data(base64Encoded: payload), case .object(let claims)? = try? JSONValue.decode(Array(data)),
            let value = claims[claim], let text = Self.claimText(value), !text.isEmpty
        else {
            throw CredhelperFailure(
                .configuration,
                "the web identity token of profile \"\(profile)\" has no \"\(claim)\" claim to name the AWS role "
                    + "session; set \"aws\".\"sessionNameClaim\" to a claim it has (such as sub or email), and use "
                    + "\"credential\": \"id-token\" if the access token is not a JWT")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-")
        var name = String(text.map { allowed.contains($0) ? $0 : "-" }.prefix(64))
        if name.count < 2 { name += "-" }
        return name
    }

    private static func claimText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number):
            abs(number) < 1e15 && number == number.rounded() ? String(Int64(number)) : String(number)
        default: nil
        }
    }
}
