import CredentialHelperProtocol

/// How the credential goes on the request (`inferenceGatewayAuthScheme`).
public enum AuthScheme: String, Sendable, Hashable, CaseIterable {
    /// `Authorization: Bearer <token>` (the default).
    case bearer
    /// `x-api-key: <token>`.
    case xAPIKey = "x-api-key"

    /// The header that carries the token under this scheme.
    public var headerName: String { self == .bearer ? "Authorization" : "x-api-key" }

    /// The header value for `token` under this scheme.
    public func headerValue(for token: Secret) -> String {
        self == .bearer ? "Bearer \(token.reveal())" : token.reveal()
    }
}

/// The host's configuration: the six keys of docs/protocol.md §2, already validated, and the runtime's
/// refresh floor (``refreshFloorSeconds``).
///
/// Build one with ``HostConfiguration/resolve(_:)`` from configuration files, environment variables and
/// flags, or directly in code.
public struct HostConfiguration: Sendable, Hashable {
    /// The largest accepted `inferenceCredentialHelperTimeoutSec`; larger values are clamped.
    public static let maximumTimeoutSeconds = 600
    /// The largest accepted `inferenceCredentialHelperTtlSec` (one day); larger values are clamped
    /// with a warning, so a typo cannot keep a revoked credential in use for months.
    public static let maximumTTLSeconds = 86_400
    /// The accepted range of ``refreshFloorSeconds``; values outside it are clamped.
    public static let refreshFloorRange = 1...3600

    /// `inferenceCredentialHelper`: the absolute path of the helper, run with no arguments.
    /// A value with spaces is a path, never a command line.
    public var helperPath: String
    /// `inferenceCredentialHelperTtlSec`: how long one answer is cached, in seconds (default 3600,
    /// 0…86400; larger configured values are clamped to 86400 with a warning).
    public var ttlSeconds: Int
    /// `inferenceCredentialHelperTimeoutSec`: the most one run may take, in seconds
    /// (default 60, 1…600; `mid-session-refresh` runs are further clamped to 20).
    public var timeoutSeconds: Int
    /// `inferenceCredentialHelperSilentRefreshEnabled`: whether a rejected credential is refreshed
    /// mid-session by re-running the helper (default true).
    public var silentRefreshEnabled: Bool
    /// `inferenceCustomHeaders`: static headers on every inference request (the helper's win on conflict).
    public var customHeaders: HeaderList
    /// `inferenceGatewayAuthScheme`: how the token is sent (default ``AuthScheme/bearer``).
    public var authScheme: AuthScheme
    /// The least time, in seconds, between two mid-session refreshes forced by rejections (default 30,
    /// clamped to ``refreshFloorRange``). Within it, a rejection of the credential the last refresh
    /// obtained is returned as it is instead of running the helper again: a request the gateway
    /// refuses for another reason (403 for a model the user may not use) cannot make the helper ask the
    /// identity provider for a token per request.
    public var refreshFloorSeconds: Int
    /// `inferenceProvider`, when configured (read to explain and check, not used to run the helper).
    public var provider: String?
    /// `inferenceGatewayBaseUrl`, when configured: an `https://` URL; `credhelper proxy` can use it as
    /// its upstream.
    public var gatewayBaseURL: String?
    /// `inferenceCredentialKind`, when configured.
    public var credentialKind: String?
    /// Whether `inferenceGatewayApiKey` is configured. The key itself is never kept.
    public var hasGatewayAPIKey = false

    /// Creates a configuration with the protocol's defaults for everything but the helper path.
    public init(
        helperPath: String,
        ttlSeconds: Int = 3600,
        timeoutSeconds: Int = 60,
        silentRefreshEnabled: Bool = true,
        customHeaders: HeaderList = HeaderList(),
        authScheme: AuthScheme = .bearer,
        refreshFloorSeconds: Int = 30
    ) {
        self.helperPath = helperPath
        self.ttlSeconds = ttlSeconds
        self.timeoutSeconds = timeoutSeconds
        self.silentRefreshEnabled = silentRefreshEnabled
        self.customHeaders = customHeaders
        self.authScheme = authScheme
        self.refreshFloorSeconds = refreshFloorSeconds
    }

    /// The time limit for a run in `context`: the configured timeout (at most 600 s), clamped to
    /// 20 s for `mid-session-refresh`.
    public func timeout(for context: HelperContext) -> Duration {
        let configured = Duration.seconds(min(max(timeoutSeconds, 1), Self.maximumTimeoutSeconds))
        return context == .midSessionRefresh ? min(configured, HelperContext.midSessionRefreshTimeoutCap) : configured
    }

    /// The least time between two forced mid-session refreshes: ``refreshFloorSeconds``, clamped to
    /// ``refreshFloorRange``.
    public var refreshFloor: Duration {
        .seconds(min(max(refreshFloorSeconds, Self.refreshFloorRange.lowerBound), Self.refreshFloorRange.upperBound))
    }

    /// The cache lifetime of one answer.
    public var ttl: Duration { .seconds(min(max(ttlSeconds, 0), Self.maximumTTLSeconds)) }
}
