/// A profile preset for Microsoft Entra ID (v2 endpoints) signing in for one Azure AI resource:
/// `"preset": "entra-ai-azure"` or `"entra-cognitive-services"` with `"tenant"` in an `oauth` profile.
///
/// The preset fills in the issuer (`https://login.microsoftonline.com/TENANT/v2.0`, whose discovery
/// document names that issuer exactly when TENANT is the tenant's ID) and the scopes (the resource's
/// `/.default` scope with `openid` and `offline_access`; Entra takes one resource scope per request).
/// Which host takes which resource's tokens is in docs/clouds.md.
enum EntraPreset: String, CaseIterable, Sendable {
    /// Microsoft Foundry's project routes: tokens with audience `https://ai.azure.com`.
    case aiAzure = "entra-ai-azure"
    /// Azure OpenAI, Azure AI services and the Foundry model routes: audience
    /// `https://cognitiveservices.azure.com`.
    case cognitiveServices = "entra-cognitive-services"

    /// The resource scope it asks for.
    var resourceScope: String {
        switch self {
        case .aiAzure: "https://ai.azure.com/.default"
        case .cognitiveServices: "https://cognitiveservices.azure.com/.default"
        }
    }

    /// The scopes of a profile with this preset.
    var scopes: [String] { [resourceScope, "openid", "offline_access"] }

    /// The preset names, for messages.
    static let names = allCases.map(\.rawValue).joined(separator: " or ")

    /// The Entra v2 issuer of `tenant`, or nil when `tenant` is not a tenant ID (a GUID): a domain
    /// name or `common` / `organizations` would give a discovery document naming another issuer.
    static func issuer(tenant: String) -> String? {
        let groups = tenant.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else {
            return nil
        }
        return "https://login.microsoftonline.com/\(tenant.lowercased())/v2.0"
    }
}
