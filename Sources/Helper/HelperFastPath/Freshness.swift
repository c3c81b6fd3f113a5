import TokenStore

/// When a stored token may be handed to the host (docs/protocol.md §6, "never hand out a token that
/// will expire before the host's TTL ends when a refresh can avoid it").
package struct Freshness: Sendable {
    /// A token obtained this recently is as fresh as the provider makes them: printed even when its
    /// lifetime is shorter than the host TTL (refreshing again would give the same lifetime).
    package static let freshWindow = 30.0

    /// The host TTL plus the skew, in seconds.
    package let required: Double
    package let skew: Double

    package init(profile: Profile) {
        skew = Double(profile.skew.components.seconds)
        required = Double(profile.hostTTL.components.seconds) + skew
    }

    package enum Verdict: Equatable, Sendable {
        /// Print it.
        case good
        /// Refresh first; if that fails for a transient reason, this one is still valid to use.
        case stillValid
        /// Expired (or about to): do not use.
        case expired
    }

    /// - Parameter notBefore: set when the host reported its credential rejected
    ///   (`mid-session-refresh`, with the time the helper started): only a token obtained since then —
    ///   by a sibling that refreshed while this helper waited for the lock — is good.
    package func verdict(_ tokens: StoredTokens, now: Double, notBefore: Double? = nil) -> Verdict {
        let expiresAt = tokens.expiresAt ?? (tokens.obtainedAt + required)
        let remaining = expiresAt - now
        if let notBefore {
            if tokens.obtainedAt >= notBefore, remaining > skew { return .good }
            return remaining > 0 ? .stillValid : .expired
        }
        if remaining >= required { return .good }
        if now - tokens.obtainedAt <= Self.freshWindow, remaining > skew { return .good }
        return remaining > 0 ? .stillValid : .expired
    }

    /// Whether tokens lasting `lifetime` seconds from issue are at least as long as the host TTL.
    package func coversHostTTL(lifetime: Double) -> Bool { lifetime >= required - skew }
}

/// When a freshly issued token expires on this machine's clock.
///
/// `expires_in` counts from when the response arrived, so `receivedAt + expires_in` is immune to a
/// skewed provider clock. Without it, a JWT's `exp` is used, shifted by the difference between its
/// `iat` and the arrival time (the provider's clock offset). Nil when neither is known.
package enum TokenExpiry {
    package static func expiresAt(expiresIn: Double?, jwtExpiry: Double?, jwtIssuedAt: Double?, receivedAt: Double)
        -> Double?
    {
        if let expiresIn, expiresIn > 0 { return receivedAt + expiresIn }
        guard let jwtExpiry else { return nil }
        guard let jwtIssuedAt else { return jwtExpiry }
        return jwtExpiry - (jwtIssuedAt - receivedAt)
    }
}
