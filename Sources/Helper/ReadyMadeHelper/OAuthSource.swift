import CredentialHelperProtocol
import HelperFastPath
import OAuthClient
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The silent path of an OAuth profile: a cached token that covers the host TTL, else a refresh
/// (or client-credentials grant) under the store's lock, else `sign-in required`.
///
/// The lock is held across re-read → check → refresh → write, so concurrent helpers make one
/// refresh request and all print its token; a rotated refresh token is on disk before its access
/// token is printed.
struct OAuthSource {
    let profile: Profile
    let session: IdPSession
    let tokens: ProfileTokens
    let warn: @Sendable (String) -> Void
    let now: @Sendable () -> Double

    var key: TokenStoreKey { session.storeKey }
    var store: TokenStore { tokens.store }
    var settings: Profile.OAuthSettings { session.settings }
    var freshness: Freshness { Freshness(profile: profile) }

    /// The stored record as the token file has it (without what the keyring holds), with store
    /// problems as credhelper failures.
    func readStore() throws(CredhelperFailure) -> StoredTokens? { try tokens.read() }

    /// A credential without user interaction, or a failure (`sign-in required` when only a sign-in
    /// can help). With `notBefore` (the `mid-session-refresh` context: the host's credential was
    /// refused), a stored token obtained before that time is not trusted.
    func silentCredential(notBefore: Double? = nil, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
        -> Secret
    {
        let cached = try readStore()
        if let cached, freshness.verdict(cached, now: now(), notBefore: notBefore) == .good {
            return cached.accessToken
        }
        if settings.grant != .clientCredentials, cached?.hasRefreshToken != true {
            throw signInRequired(
                cached == nil ? "no stored sign-in" : "the stored token expired and no refresh token was issued")
        }
        if settings.grant != .clientCredentials, let rejectedAt = cached?.refreshRejectedAt {
            throw Self.alreadyRejected(rejectedAt, profile: profile.name)
        }
        return try await store.withLock(key, until: deadline) { (error) async throws(CredhelperFailure) -> Secret in
            guard error.code == .lockTimeout else { throw .tokenStore(error) }
            // A sibling is still refreshing; use what is valid rather than fail.
            if let latest = try readStore(), freshness.verdict(latest, now: now()) != .expired {
                warn("another credhelper is still refreshing; using the stored token, which is still valid")
                return latest.accessToken
            }
            throw CredhelperFailure(
                .providerUnreachable, "a refresh by another credhelper process did not finish in time")
        } _: { () async throws(CredhelperFailure) -> Secret in
            try await renewLocked(notBefore: notBefore, until: deadline)
        }
    }

    /// Runs with the lock held. A refresh token the provider rejects is marked in the store, so later
    /// silent runs fail without asking the provider again.
    private func renewLocked(notBefore: Double?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
        -> Secret
    {
        do {
            return try await renewOrFail(notBefore: notBefore, until: deadline)
        } catch let failure where failure.code == .refreshRejected && settings.grant != .clientCredentials {
            if var latest = try? readStore(), latest.hasRefreshToken, latest.refreshRejectedAt == nil {
                latest.refreshRejectedAt = now()
                try? store.write(latest, for: key)
            }
            throw failure
        }
    }

    private func renewOrFail(notBefore: Double?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
        -> Secret
    {
        let onFile = try readStore()
        if let onFile, freshness.verdict(onFile, now: now(), notBefore: notBefore) == .good {
            return onFile.accessToken
        }
        if settings.grant != .clientCredentials, let rejectedAt = onFile?.refreshRejectedAt {
            throw Self.alreadyRejected(rejectedAt, profile: profile.name)
        }
        var current = try await tokens.withSecrets(onFile, until: deadline)
        var retriedAfterRotation = false
        while true {
            do throws(CredhelperFailure) {
                let grant = try await requestGrant(current, until: deadline)
                try await keepRotatedRefreshToken(of: grant, in: &current, until: deadline)
                var record = try await session.record(from: grant, previous: current, until: deadline)
                warnIfShortLived(&record)
                try await tokens.write(record, onRefusal: .keepAccessTokenOnly, until: deadline)
                return record.accessToken
            } catch let failure where failure.code == .refreshRejected && !retriedAfterRotation {
                // A process that does not take our lock (or another machine sharing the store) may
                // have rotated the refresh token: re-read once before giving up.
                retriedAfterRotation = true
                let latest = try await tokens.readWithSecrets(until: deadline)
                guard let latest, latest.refreshToken != current?.refreshToken else { throw failure }
                if freshness.verdict(latest, now: now()) == .good { return latest.accessToken }
                current = latest
            } catch let failure where failure.code == .providerUnreachable {
                if let current, freshness.verdict(current, now: now()) == .stillValid {
                    let minutes = Int(((current.expiresAt ?? now()) - now()) / 60)
                    warn("\(failure.detail); using the stored token, valid for about \(minutes) more minutes")
                    return current.accessToken
                }
                throw failure
            }
        }
    }

    /// Stores a refresh token the provider rotated in `grant` before anything that can still fail
    /// (the ID token missing or not verifying, the JWKS fetch): the provider has already invalidated
    /// the old one, and a rotating provider with reuse detection revokes the whole session when it
    /// comes back. The record keeps its old credential, so nothing unverified is handed out. Nothing
    /// is written when nothing can fail before the record is stored (an access-token profile). Lock held.
    private func keepRotatedRefreshToken(
        of grant: TokenGrant, in current: inout StoredTokens?, until deadline: ContinuousClock.Instant
    ) async throws(CredhelperFailure) {
        guard session.verifiesIDToken(signIn: false), let rotated = grant.refreshToken else { return }
        try await keep(rotated, in: &current, until: deadline)
    }

    /// Stores `rotated` as the refresh token of `current` (which keeps its credential), when it is a
    /// new one. Lock held.
    private func keep(_ rotated: Secret, in current: inout StoredTokens?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
    {
        guard settings.grant != .clientCredentials, var kept = current, kept.refreshToken != rotated else { return }
        kept.refreshToken = rotated
        try await tokens.write(kept, onRefusal: .keepAccessTokenOnly, until: deadline)
        current = kept
    }

    private func requestGrant(_ current: StoredTokens?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> TokenGrant
    {
        let metadata = try await session.metadata(until: deadline)
        let client = try await session.client()
        let refreshToken = current?.refreshToken
        if settings.grant != .clientCredentials, refreshToken == nil {
            throw signInRequired("no refresh token is stored")
        }
        do {
            if let refreshToken, settings.grant != .clientCredentials {
                return try await client.refresh(refreshToken, metadata: metadata, until: deadline)
            }
            return try await client.clientCredentials(metadata: metadata, until: deadline)
        } catch {
            await session.forgetDocuments(after: error)
            let failure = IdPSession.failure(error, profile: profile.name)
            // An answer that rotated the refresh token but cannot be used (no access_token): the old
            // refresh token is gone at a rotating provider, so the new one is stored before the failure
            // is reported.
            if let rotated = error.rotatedRefreshToken {
                var kept = current
                do { try await keep(rotated, in: &kept, until: deadline) } catch {
                    warn("the refresh token the provider rotated could not be stored: \(error.detail)")
                }
            }
            throw failure
        }
    }

    /// Warns once (remembered in the record) when the provider's tokens cannot cover the host TTL.
    func warnIfShortLived(_ record: inout StoredTokens) {
        guard let expiresAt = record.expiresAt else { return }
        let lifetime = expiresAt - record.obtainedAt
        guard !freshness.coversHostTTL(lifetime: lifetime) else {
            record.shortLifetimeWarned = nil
            return
        }
        guard record.shortLifetimeWarned != true else { return }
        record.shortLifetimeWarned = true
        warn(
            "the identity provider issues tokens valid for \(Int(lifetime)) s, less than the host TTL "
                + "(\(profile.hostTTL.components.seconds) s); printing the freshest token — lower "
                + "inferenceCredentialHelperTtlSec and the profile's hostTtlSec to at most "
                + "\(max(Int(lifetime) - Int(profile.skew.components.seconds), 1)) s")
    }

    /// The failure for a stored refresh token that the provider already rejected: no request is made.
    static func alreadyRejected(_ rejectedAt: Double, profile: String) -> CredhelperFailure {
        CredhelperFailure(
            .refreshRejected,
            "the stored refresh token was rejected by the provider at \(Self.timestamp(rejectedAt)) and is not "
                + "sent again (the session expired or was revoked); \(CredhelperFailure.loginCommand(profile))")
    }

    private static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    func signInRequired(_ reason: String) -> CredhelperFailure {
        CredhelperFailure(.signInRequired, "\(CredhelperFailure.loginCommand(profile.name)) (\(reason))")
    }
}
