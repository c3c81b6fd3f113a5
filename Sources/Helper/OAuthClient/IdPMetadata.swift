/// What an identity provider publishes about itself: OpenID Connect discovery
/// (`/.well-known/openid-configuration`) or RFC 8414 (`/.well-known/oauth-authorization-server`).
///
/// Only the fields this client uses are decoded; the rest are ignored.
public struct IdPMetadata: Sendable, Hashable, Codable {
    /// The issuer identifier; it must equal the configured issuer exactly.
    public var issuer: String
    /// Where the browser is sent for the authorization code grant.
    public var authorizationEndpoint: String?
    /// Where codes, refresh tokens and client credentials are exchanged for tokens.
    public var tokenEndpoint: String
    /// RFC 8628 device authorization endpoint.
    public var deviceAuthorizationEndpoint: String?
    /// The JSON Web Key Set used to verify ID tokens.
    public var jwksURI: String?
    /// RFC 7009 token revocation endpoint, used by `logout`.
    public var revocationEndpoint: String?
    /// PKCE methods the provider accepts; `S256` is required when the list is present.
    public var codeChallengeMethodsSupported: [String]?
    /// RFC 9207: the provider puts `iss` in every authorization response, so one without it is refused.
    public var authorizationResponseIssParameterSupported: Bool?

    /// Metadata assembled by hand, for providers that publish no discovery document.
    public init(
        issuer: String, authorizationEndpoint: String? = nil, tokenEndpoint: String,
        deviceAuthorizationEndpoint: String? = nil, jwksURI: String? = nil, revocationEndpoint: String? = nil,
        codeChallengeMethodsSupported: [String]? = nil, authorizationResponseIssParameterSupported: Bool? = nil
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.deviceAuthorizationEndpoint = deviceAuthorizationEndpoint
        self.jwksURI = jwksURI
        self.revocationEndpoint = revocationEndpoint
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.authorizationResponseIssParameterSupported = authorizationResponseIssParameterSupported
    }

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case deviceAuthorizationEndpoint = "device_authorization_endpoint"
        case jwksURI = "jwks_uri"
        case revocationEndpoint = "revocation_endpoint"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
    }
}
