import CredentialHelperProtocol

/// Who the client is at the provider and what it asks for.
public struct OAuthClientConfiguration: Sendable, Hashable {
    /// The issuer URL; discovery is fetched from it and its `issuer` must match exactly.
    public var issuer: String
    /// The client identifier registered at the provider.
    public var clientID: String
    /// The client secret for confidential clients (sent with HTTP Basic); nil for public clients.
    public var clientSecret: Secret?
    /// The scopes requested.
    public var scopes: [String]
    /// An `audience` parameter for providers that need one (Auth0 and others); nil to omit it.
    public var audience: String?
    /// An explicit discovery document URL, for providers that publish it elsewhere.
    public var discoveryURL: String?
    /// The most any single request may take (further bounded by each call's deadline).
    public var requestTimeout: Duration
    /// Endpoints that replace what discovery publishes (for a provider that leaves one out).
    public var endpoints = EndpointOverrides()
    /// Where discovery documents and the JWKS are kept between runs; nil: fetched every time.
    public var documentCache: IdPDocumentCache?

    /// A configuration. `requestTimeout` defaults to 10 seconds.
    public init(
        issuer: String, clientID: String, clientSecret: Secret? = nil, scopes: [String] = ["openid"],
        audience: String? = nil, discoveryURL: String? = nil, requestTimeout: Duration = .seconds(10)
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.audience = audience
        self.discoveryURL = discoveryURL
        self.requestTimeout = requestTimeout
    }
}

/// Endpoints a profile names itself, each replacing the discovered one (or standing in for one the
/// provider's metadata leaves out). Each is checked like a discovered endpoint (HTTPS or loopback).
public struct EndpointOverrides: Sendable, Hashable {
    public var authorization: String?
    public var token: String?
    public var deviceAuthorization: String?
    public var revocation: String?
    public var jwks: String?

    public init(
        authorization: String? = nil, token: String? = nil, deviceAuthorization: String? = nil,
        revocation: String? = nil, jwks: String? = nil
    ) {
        self.authorization = authorization
        self.token = token
        self.deviceAuthorization = deviceAuthorization
        self.revocation = revocation
        self.jwks = jwks
    }

    /// `metadata` with these endpoints in place of its own.
    func applied(to metadata: IdPMetadata) -> IdPMetadata {
        var metadata = metadata
        metadata.authorizationEndpoint = authorization ?? metadata.authorizationEndpoint
        metadata.tokenEndpoint = token ?? metadata.tokenEndpoint
        metadata.deviceAuthorizationEndpoint = deviceAuthorization ?? metadata.deviceAuthorizationEndpoint
        metadata.revocationEndpoint = revocation ?? metadata.revocationEndpoint
        metadata.jwksURI = jwks ?? metadata.jwksURI
        return metadata
    }
}
