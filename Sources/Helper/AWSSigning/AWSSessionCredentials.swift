import CredentialHelperProtocol

/// A set of AWS credentials: an access key id, its secret and, for temporary credentials (STS), a
/// session token and the time they expire.
///
/// The secret key and session token are ``Secret`` values: they print redacted, and are written
/// only to the 0600 store file, the keyring, or the consumer's stdout.
public struct AWSSessionCredentials: Sendable, Hashable, Codable {
    /// The access key id (`AKIA…` or `ASIA…`); not a secret, AWS prints it in logs.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: Secret
    /// The session token of temporary credentials.
    public var sessionToken: Secret?
    /// When the credentials stop working (seconds since 1970); nil for long-term keys.
    public var expiration: Double?

    /// Credentials.
    public init(accessKeyID: String, secretAccessKey: Secret, sessionToken: Secret? = nil, expiration: Double? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}
