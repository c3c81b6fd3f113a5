/// The configuration keys of docs/protocol.md §2 and the environment variables that override them.
public enum ConfigurationKey: String, Sendable, Hashable, CaseIterable {
    case helper = "inferenceCredentialHelper"
    case ttl = "inferenceCredentialHelperTtlSec"
    case timeout = "inferenceCredentialHelperTimeoutSec"
    case silentRefresh = "inferenceCredentialHelperSilentRefreshEnabled"
    case customHeaders = "inferenceCustomHeaders"
    case authScheme = "inferenceGatewayAuthScheme"

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
}
