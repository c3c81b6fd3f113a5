import CredentialHelperProtocol

/// One named way of obtaining a credential, from the profiles file.
///
/// Every kind goes through the same token store, freshness rules and output: the host sees the
/// same protocol answer whichever kind produced it.
public struct Profile: Sendable, Hashable {
    /// Where the token comes from.
    public enum Source: Sendable, Hashable {
        /// An OAuth 2.0 / OpenID Connect provider.
        case oauth(OAuthSettings)
        /// Another command-line tool that prints a token (run directly, never through a shell).
        case exec(ExecSettings)
        /// A file holding the token (0600, owned by the user), read at each run.
        case file(path: String)
        /// A token written in the profiles file itself (which must then be private).
        case literal(Secret)
        /// A Google access token from Google's STS, in exchange for another profile's token
        /// (workload or workforce identity federation, for Vertex AI).
        case googleSTS(GoogleSTSSettings)
        /// AWS credentials from the AWS SDKs' usual sources, for the AWS output modes only.
        case awsChain(AWSChainSettings)
    }

    /// How an OAuth profile signs in.
    public enum Grant: String, Sendable, Hashable, CaseIterable {
        /// Browser sign-in: authorization code with PKCE on a loopback redirect.
        case authorizationCode = "authorization-code"
        /// Device authorization grant (RFC 8628): a code to enter on another device.
        case device = "device"
        /// Client credentials: unattended, no user.
        case clientCredentials = "client-credentials"
    }

    /// Which token an OAuth profile hands to the host.
    public enum CredentialKind: String, Sendable, Hashable, CaseIterable {
        /// The access token (the default).
        case accessToken = "access-token"
        /// The verified OpenID Connect ID token, for gateways that accept those.
        case idToken = "id-token"
    }

    /// Where an OAuth profile keeps its refresh token and ID token. The access token and its expiry
    /// always stay in the 0600 token file, so a cached answer never needs the keyring.
    public enum TokenStorage: String, Sendable, Hashable, CaseIterable {
        /// The 0600 token file (the default).
        case file
        /// The OS keyring (Secret Service on Linux, the Keychain on macOS); without one, fail.
        case keyring
        /// The OS keyring; without one, the token file, with a warning.
        case keyringOrFile = "keyring-or-file"
    }

    /// Settings of an OAuth profile.
    public struct OAuthSettings: Sendable, Hashable {
        /// The issuer URL (HTTPS, or loopback).
        public var issuer: String
        /// The client id registered at the provider.
        public var clientID: String
        /// A file holding the client secret (must be 0600), for confidential clients.
        public var clientSecretFile: String?
        /// An environment variable holding the client secret.
        public var clientSecretEnvironment: String?
        /// Scopes to request. Default `openid`.
        public var scopes: [String]
        /// An optional `audience` parameter.
        public var audience: String?
        /// An explicit discovery document URL.
        public var discoveryURL: String?
        /// How the user signs in. Default authorization code.
        public var grant: Grant
        /// The loopback redirect port; 0 picks a free one (the provider must then accept any port).
        public var redirectPort: Int
        /// Which token is the credential.
        public var credential: CredentialKind
        /// The most any request to the provider may take, in seconds. Default 10.
        public var requestTimeout: Duration
        /// A PEM bundle of CAs trusted for the provider's TLS certificate, besides the system's.
        public var caFile: String?
        /// The HTTP proxy for the provider (`http://host:port`), or `none`; default: `HTTPS_PROXY`.
        public var proxy: String?
        /// Endpoints that replace (or stand in for) what discovery publishes, by profile key
        /// (``endpointKeys``): for providers that leave one out of their metadata.
        public var endpoints: [String: String] = [:]
        /// Where the refresh token and ID token are kept.
        public var tokenStorage: TokenStorage = .file
        /// The AWS role this sign-in is exchanged for, when the profile has `"aws"`.
        public var aws: AWSSettings?

        /// The profile keys that override a discovered endpoint.
        public static let endpointKeys: Set = [
            "authorizationEndpoint", "tokenEndpoint", "deviceAuthorizationEndpoint", "revocationEndpoint", "jwksUri",
        ]
    }

    /// Settings of an exec profile.
    public struct ExecSettings: Sendable, Hashable {
        /// The absolute path of the tool, then its arguments.
        public var command: [String]
        /// How long the tool may run. Default 30 s.
        public var timeout: Duration
        /// How long a printed token is trusted. Default: the host TTL.
        public var tokenLifetime: Duration?
    }

    /// Settings of a `google-sts` profile (docs/clouds.md, Vertex AI).
    public struct GoogleSTSSettings: Sendable, Hashable {
        /// The profile whose credential is the subject token (an `oauth` profile, usually with
        /// `"credential": "id-token"`).
        public var subjectProfile: String
        /// The workload or workforce pool provider's resource name (`//iam.googleapis.com/…`).
        public var audience: String
        /// `urn:ietf:params:oauth:token-type:jwt`, `…:id_token` or `…:access_token`. Default: `…:id_token`
        /// for a workforce pool, `…:jwt` for a workload pool (what `gcloud iam … create-cred-config` writes).
        public var subjectTokenType: String
        /// The Google token's scopes. Default `https://www.googleapis.com/auth/cloud-platform`.
        public var scopes: [String]
        /// The STS endpoint. Default `https://sts.googleapis.com/v1/token`.
        public var tokenURL: String
        /// A workforce pool's user project (quota and billing), sent as the `userProject` option.
        public var workforcePoolUserProject: String?
        /// The most the exchange may take, in seconds. Default 10.
        public var requestTimeout: Duration
    }

    /// The profile's name.
    public var name: String
    /// Where the token comes from.
    public var source: Source
    /// The host's TTL for one answer: a cached token is printed only if it stays valid this long
    /// plus ``skew``. Default 3600 s, the protocol's default.
    public var hostTTL: Duration
    /// Extra validity demanded beyond the host TTL. Default 60 s.
    public var skew: Duration
    /// How long the silent path may take in contexts other than `mid-session-refresh` (which is
    /// always within 15 s, inside the host's 20 s clamp). Default 15 s.
    public var silentDeadline: Duration
    /// Headers to send with the token; when present the answer is the JSON form.
    public var headers: HeaderList

    /// The deadline for the silent path in `context`.
    public func silentBudget(for context: HelperContext) -> Duration {
        context == .midSessionRefresh ? min(silentDeadline, .seconds(15)) : silentDeadline
    }
}
