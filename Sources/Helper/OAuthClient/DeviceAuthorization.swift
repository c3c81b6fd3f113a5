import CredentialHelperProtocol

/// The device authorization response (RFC 8628 §3.2): what to show the user and how to poll.
public struct DeviceAuthorization: Sendable, Hashable {
    /// The code the client polls with.
    public var deviceCode: Secret
    /// The code the user types at ``verificationURI``.
    public var userCode: String
    /// Where the user goes.
    public var verificationURI: String
    /// The same URI with the code filled in, when the provider offers it.
    public var verificationURIComplete: String?
    /// How long the codes stay valid, in seconds.
    public var expiresIn: Double
    /// The minimum polling interval, in seconds (default 5).
    public var interval: Double

    /// A device authorization.
    public init(
        deviceCode: Secret, userCode: String, verificationURI: String, verificationURIComplete: String? = nil,
        expiresIn: Double, interval: Double = 5
    ) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresIn = expiresIn
        self.interval = interval
    }
}

struct DeviceAuthorizationBody: Decodable {
    var deviceCode: String
    var userCode: String
    var verificationURI: String?
    var verificationURL: String?
    var verificationURIComplete: String?
    var expiresIn: Double
    var interval: Double?

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code"
        case userCode = "user_code"
        case verificationURI = "verification_uri"
        case verificationURL = "verification_url"  // Google's pre-RFC spelling
        case verificationURIComplete = "verification_uri_complete"
        case expiresIn = "expires_in"
        case interval
    }
}
