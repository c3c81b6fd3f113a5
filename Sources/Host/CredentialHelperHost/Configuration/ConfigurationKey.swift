/// The configuration keys of docs/protocol.md §2 and the environment variables that override them.
public enum ConfigurationKey: String, Sendable, Hashable, CaseIterable {
    case helper = "inferenceCredentialHelper"
    case ttl = "inferenceCredentialHelperTtlSec"
    case timeout = "inferenceCredentialHelperTimeoutSec"
    case silentRefresh = "inferenceCredentialHelperSilentRefreshEnabled"
    case customHeaders = "inferenceCustomHeaders"
    case authScheme = "inferenceGatewayAuthScheme"
    /// `inferenceProvider`: which inference provider the app uses (`gateway`, …); read to explain and check.
    case provider = "inferenceProvider"
    /// `inferenceGatewayBaseUrl`: the gateway's base URL, `https://` only; `proxy` can take its upstream from it.
    case gatewayBaseURL = "inferenceGatewayBaseUrl"
    /// `inferenceGatewayApiKey`: a static gateway key; only whether it is set is kept, never the value.
    case gatewayAPIKey = "inferenceGatewayApiKey"
    /// `inferenceCredentialKind`: the one credential source the app uses (no fallback when set).
    case credentialKind = "inferenceCredentialKind"

    /// The older name of ``customHeaders``, which the app stopped reading at its deprecation
    /// cut-off, 7 October 2026 (docs/configuration.md).
    public static let olderCustomHeadersName = "inferenceGatewayHeaders"

    /// The values of `inferenceCredentialKind` the app's configuration reference lists and still
    /// accepts (`oauth` was deprecated and is invalid since 7 October 2026).
    public static let credentialKinds = ["static", "helper-script", "interactive", "vendor-profile", "workforce"]

    /// The `inferenceCredentialKind` value that makes the app use `inferenceCredentialHelper`.
    public static let helperCredentialKind = "helper-script"

    /// The values of `inferenceProvider` the app's configuration reference lists.
    public static let providers = ["gateway", "anthropic", "bedrock", "mantle", "vertex", "foundry"]

    /// The keys a managed source may set while the rest of the configuration stays local: a managed
    /// source that sets only these does not take the configuration over (docs/configuration.md).
    public static let updateKeyNames: Set<String> = [
        "disableAutoUpdates", "autoUpdaterEnforcementHours", "updateViaUpdatesHost",
    ]

    /// The environment variable that overrides this key for CLI hosts: the key in upper snake case,
    /// e.g. `INFERENCE_CREDENTIAL_HELPER_TTL_SEC`.
    public var environmentVariable: String {
        var name = ""
        for character in rawValue {
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
        return name
    }

    /// What a value of this key must be, as error messages say it.
    var expected: String {
        switch self {
        case .helper: "the absolute path of the helper executable, as a string"
        case .ttl, .timeout: "a whole number of seconds, like 3600 or \"3600\""
        case .silentRefresh: "true or false (or \"true\", \"false\", \"1\", \"0\")"
        case .customHeaders: "a JSON object like {\"X-Org\": \"prod\"}"
        case .authScheme: "\"bearer\" or \"x-api-key\""
        case .provider: "one of " + Self.providers.joined(separator: ", ")
        case .gatewayBaseURL: "an https:// URL such as \"https://gateway.example.com\""
        case .gatewayAPIKey: "the gateway API key, as a string"
        case .credentialKind: "one of " + Self.credentialKinds.joined(separator: ", ")
        }
    }

    /// Whether the value is a secret: never shown in messages or `--explain`.
    public var isSecret: Bool { self == .gatewayAPIKey }
}
