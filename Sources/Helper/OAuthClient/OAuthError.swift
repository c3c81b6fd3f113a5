import CredentialHelperProtocol

/// A failed exchange with the identity provider, as a sentence a user can act on.
///
/// The ``code`` says what kind of failure it was; ``providerError`` carries the OAuth `error` value
/// when the provider sent one. Nothing here ever contains a token or a client secret.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it was.
    public enum Code: String, Sendable, Hashable {
        /// The provider could not be reached (connection refused, DNS, TLS).
        case unreachable = "unreachable"
        /// The provider did not answer before the deadline.
        case timedOut = "timed-out"
        /// The refresh token or code was rejected (`invalid_grant`): a new sign-in is needed.
        case invalidGrant = "invalid-grant"
        /// The user or the provider refused the authorization (`access_denied`).
        case accessDenied = "access-denied"
        /// The device code or the sign-in expired before the user finished.
        case expired = "expired"
        /// The provider refused the request for another reason (bad client, scope, …).
        case rejected = "rejected"
        /// The provider answered something that is not a valid OAuth response.
        case malformedResponse = "malformed-response"
        /// The issuer or an endpoint is not HTTPS and not on loopback.
        case insecureEndpoint = "insecure-endpoint"
        /// Discovery failed or lacks an endpoint this flow needs.
        case discovery = "discovery"
        /// The provider does not offer what the profile asks for (a grant without its endpoint).
        case unsupported = "unsupported"
        /// An ID token failed verification (signature, issuer, audience, expiry or nonce).
        case idTokenRejected = "id-token-rejected"
        /// The redirect to the loopback listener did not match the request (`state`), or reported an error.
        case redirectRejected = "redirect-rejected"
    }

    /// What kind of failure it was.
    public let code: Code
    /// The provider's OAuth `error` value, when it sent one.
    public let providerError: String?
    /// What went wrong and what to do.
    public let description: String
    /// For ``Code/unreachable``: the request never left this machine (connection refused, a name
    /// that does not resolve), so sending it again cannot repeat it at the provider.
    public var requestNotSent = false
    /// For ``Code/malformedResponse`` from the token endpoint: the refresh token the answer carried
    /// although the answer could not be used (no `access_token`). A rotating provider has already
    /// invalidated the refresh token that was sent, so the caller stores this one before reporting
    /// the failure. Never part of ``description``.
    public var rotatedRefreshToken: Secret?

    /// An error.
    public init(_ code: Code, _ description: String, providerError: String? = nil) {
        self.code = code
        self.description = description
        self.providerError = providerError
    }
}
