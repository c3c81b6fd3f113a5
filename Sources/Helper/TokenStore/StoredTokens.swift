import CredentialHelperProtocol

/// What the store keeps for one profile: the tokens, when they were obtained and when the access
/// token expires (absolute times, seconds since 1970 on this machine's clock), and who signed in.
///
/// Secrets are ``Secret`` values: they print redacted and are written only to the 0600 store file.
public struct StoredTokens: Sendable, Hashable, Codable {
    /// The credential handed to the host (an access token, or an ID token or command output for
    /// profiles that use those).
    public var accessToken: Secret
    /// The refresh token, when the provider issued one.
    public var refreshToken: Secret?
    /// The OpenID Connect ID token, when one was issued.
    public var idToken: Secret?
    /// When the response carrying these tokens arrived.
    public var obtainedAt: Double
    /// When the access token stops being valid; nil when the provider said nothing about it.
    public var expiresAt: Double?
    /// The granted scopes, as the provider reported them.
    public var scope: String?
    /// The signed-in subject (`sub` of a verified ID token), for `credhelper status`.
    public var subject: String?
    /// A display name for the subject (`name`, `email` or `preferred_username`).
    public var displayName: String?
    /// Set once the helper warned that this provider's token lifetime is shorter than the host TTL,
    /// so that the warning is printed once, not at every run.
    public var shortLifetimeWarned: Bool?
    /// When the provider rejected ``refreshToken`` (seconds since 1970). A rejected refresh token is
    /// kept for the record but never sent again: silent runs fail at once, and the next sign-in
    /// replaces the record.
    public var refreshRejectedAt: Double?
    /// Which secrets of this record are kept in the OS keyring rather than in the token file; nil
    /// when the file holds them all. ``refreshToken`` and ``idToken`` are nil in such a record until
    /// they are read from the keyring.
    public var inKeyring: KeyringShare?

    /// Which of a record's secrets the OS keyring holds.
    public struct KeyringShare: Sendable, Hashable, Codable {
        /// The keyring holds the refresh token.
        public var refreshToken: Bool
        /// The keyring holds the ID token.
        public var idToken: Bool

        /// A share.
        public init(refreshToken: Bool, idToken: Bool) {
            self.refreshToken = refreshToken
            self.idToken = idToken
        }
    }

    /// Whether a refresh token was stored, in the file or in the keyring.
    public var hasRefreshToken: Bool { refreshToken != nil || inKeyring?.refreshToken == true }

    /// A record.
    public init(
        accessToken: Secret, refreshToken: Secret? = nil, idToken: Secret? = nil, obtainedAt: Double,
        expiresAt: Double?, scope: String? = nil, subject: String? = nil, displayName: String? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.obtainedAt = obtainedAt
        self.expiresAt = expiresAt
        self.scope = scope
        self.subject = subject
        self.displayName = displayName
    }
}
