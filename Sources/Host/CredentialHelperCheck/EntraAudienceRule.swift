import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which Microsoft Entra resource's tokens each Azure OpenAI / Microsoft Foundry endpoint host
/// accepts, and the verdict for sending a given token to a given endpoint.
///
/// Entra mints an access token for one resource, named by the scope asked for
/// (`RESOURCE/.default`) and carried in the token's `aud` claim; an endpoint that expects another
/// resource answers HTTP 401 ("audience is incorrect"). Microsoft's pages (cited in docs/clouds.md)
/// document:
/// - `*.openai.azure.com` and `*.cognitiveservices.azure.com`: `https://cognitiveservices.azure.com`;
/// - `*.services.ai.azure.com`: both — `https://cognitiveservices.azure.com` for the model routes
///   (`/anthropic`, `/models`) and `https://ai.azure.com` for the project routes (`/api/projects`).
///
/// Only these hosts are judged; a token sent anywhere else (a company gateway that checks its own
/// audience), and a token that is not a JWT with an `aud` claim (an API key), get no verdict.
public enum EntraAudienceRule {
    /// One Entra resource: the audience its tokens carry and the scope that asks for them.
    public struct Resource: Sendable, Hashable {
        /// The `aud` claim of its tokens, such as `https://cognitiveservices.azure.com`.
        public let audience: String
        /// The scope a client asks for to get its tokens: the audience followed by `/.default`.
        public var scope: String { audience + "/.default" }

        /// Azure AI services, Azure OpenAI and the Foundry model routes.
        public static let cognitiveServices = Resource(audience: "https://cognitiveservices.azure.com")
        /// Microsoft Foundry's project routes.
        public static let aiAzure = Resource(audience: "https://ai.azure.com")
    }

    /// A family of endpoint hosts (one name suffix) and the resources whose tokens it accepts.
    public struct HostFamily: Sendable {
        /// The end of the host name, such as `.openai.azure.com`.
        public let suffix: String
        /// The service's name, for messages.
        public let service: String
        /// The resources whose tokens it accepts.
        public let accepts: [Resource]
    }

    /// The documented host families.
    public static let hostFamilies: [HostFamily] = [
        HostFamily(suffix: ".openai.azure.com", service: "Azure OpenAI", accepts: [.cognitiveServices]),
        HostFamily(
            suffix: ".cognitiveservices.azure.com", service: "Azure AI services", accepts: [.cognitiveServices]),
        HostFamily(
            suffix: ".services.ai.azure.com", service: "Microsoft Foundry", accepts: [.cognitiveServices, .aiAzure]),
    ]

    /// What sending a token to an endpoint would meet.
    public enum Verdict: Sendable, Equatable {
        /// Not an Entra-served AI host, or not a token with an audience: nothing to say.
        case notJudged
        /// The token's audience is one the host accepts.
        case accepted
        /// The host would refuse it; the sentence names the audience seen and the scope to use.
        case refused(String)
    }

    /// The host name in `endpoint` (a URL, or a bare host name), lowercased, without user
    /// information, port or trailing dot; nil when there is none.
    public static func host(of endpoint: String) -> String? {
        var rest = SplitURL(endpoint).host
        while rest.hasSuffix(".") { rest = rest.dropLast() }
        let host = rest.lowercased()
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
            return nil
        }
        return host
    }

    /// The documented family of `host`, if it is one.
    public static func family(of host: String) -> HostFamily? {
        hostFamilies.first { host.hasSuffix($0.suffix) && host.count > $0.suffix.count }
    }

    /// The verdict for sending `token` to `endpoint`. Reads the token's `aud` claim without
    /// verifying the signature (the endpoint does that); never puts the token in the message.
    public static func verdict(token: Secret, endpoint: String) -> Verdict {
        guard let host = host(of: endpoint), let family = family(of: host),
            let audiences = audiences(of: token), !audiences.isEmpty
        else { return .notJudged }
        let accepted = Set(family.accepts.map { normalized($0.audience) })
        if audiences.contains(where: { accepted.contains(normalized($0)) }) { return .accepted }
        let seen = audiences.map(printable).joined(separator: ", ")
        let wanted = family.accepts.map(\.audience).joined(separator: " or ")
        let scopes = family.accepts.map(\.scope).joined(separator: " or ")
        let presets = family.accepts.map { "\"\(presetName(for: $0))\"" }.joined(separator: " or ")
        return .refused(
            "the token's audience (aud) is \(seen), but \(host) (\(family.service)) accepts only tokens for "
                + "\(wanted) and would answer 401: sign in with the scope \(scopes) (a profile with \"preset\": "
                + "\(presets)), or send this token to an endpoint of its own resource")
    }

    /// The profile preset (docs/clouds.md) that asks for `resource`'s scope.
    public static func presetName(for resource: Resource) -> String {
        resource == .aiAzure ? "entra-ai-azure" : "entra-cognitive-services"
    }

    /// The `aud` claim of a JWT (a string or an array of strings; a string holding a
    /// space-separated list is split); nil when the token is not a JWT with one.
    static func audiences(of token: Secret) -> [String]? {
        let parts = token.reveal().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecoded(parts[1]),
            let claims = try? JSONDecoder().decode(AudienceClaim.self, from: payload)
        else { return nil }
        return claims.aud?.flatMap { $0.split(separator: " ").map(String.init) }
    }

    /// An audience compared loosely: lowercased, without a trailing `/` or `/.default` (a provider
    /// that writes the scope list into `aud`, such as the glewlwyd the tests use, names the scope).
    static func normalized(_ audience: String) -> String {
        var value = audience.lowercased()
        if value.hasSuffix("/.default") { value.removeLast("/.default".count) }
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }

    /// An audience as a message may show it (``VisibleText``), at most 120 characters.
    private static func printable(_ audience: String) -> String { VisibleText.of(audience, limit: 120) }

    private static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    private struct AudienceClaim: Decodable {
        let aud: [String]?

        enum CodingKeys: String, CodingKey { case aud }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let single = try? container.decode(String.self, forKey: .aud) {
                aud = [single]
            } else {
                aud = try? container.decode([String].self, forKey: .aud)
            }
        }
    }
}
