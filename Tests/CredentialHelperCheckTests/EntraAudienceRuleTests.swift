import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import Testing

/// A JWT-shaped token (unsigned: the rule reads `aud` only) with the given claims.
func entraToken(_ claims: [String: Any]) throws -> String {
    func part(_ object: [String: Any]) throws -> String {
        try JSONSerialization.data(withJSONObject: object).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
    return try part(["alg": "RS256", "typ": "JWT"]) + "." + part(claims) + ".c2lnbmF0dXJl"
}

/// The audience-to-host rule for Azure OpenAI and Microsoft Foundry endpoints (docs/clouds.md).
@Suite("Entra audience rule: which token each Azure AI host accepts")
struct EntraAudienceRuleTests {
    static let cognitive = "https://cognitiveservices.azure.com"
    static let foundry = "https://ai.azure.com"

    func verdict(_ audience: Any, _ endpoint: String) throws -> EntraAudienceRule.Verdict {
        EntraAudienceRule.verdict(
            token: Secret(try entraToken(["aud": audience, "iss": "https://sts.windows.net/t/"])), endpoint: endpoint)
    }

    @Test("the documented hosts accept the documented audiences, and refuse the other one")
    func documentedPairs() throws {
        let cases: [(String, String, Bool)] = [
            ("https://acme.openai.azure.com/openai/v1/chat/completions", Self.cognitive, true),
            ("https://acme.openai.azure.com/openai/v1/chat/completions", Self.foundry, false),
            ("https://acme.cognitiveservices.azure.com/", Self.cognitive, true),
            ("https://acme.cognitiveservices.azure.com/", Self.foundry, false),
            ("https://acme.services.ai.azure.com/anthropic/v1/messages", Self.cognitive, true),
            ("https://acme.services.ai.azure.com/api/projects/p", Self.foundry, true),
        ]
        for (endpoint, audience, accepted) in cases {
            let result = try verdict(audience, endpoint)
            if accepted {
                #expect(result == .accepted, "\(audience) to \(endpoint)")
            } else {
                guard case .refused = result else {
                    Issue.record("\(audience) to \(endpoint) was not refused: \(result)")
                    continue
                }
            }
        }
    }

    @Test("a refusal names the audience seen, the host, and the scope and preset to use, never the token")
    func refusalMessage() throws {
        let token = try entraToken(["aud": Self.foundry])
        let result = EntraAudienceRule.verdict(token: Secret(token), endpoint: "https://acme.openai.azure.com/openai")
        guard case .refused(let message) = result else {
            Issue.record("not refused: \(result)")
            return
        }
        #expect(message.contains("audience (aud) is https://ai.azure.com"), "\(message)")
        #expect(message.contains("acme.openai.azure.com (Azure OpenAI)"), "\(message)")
        #expect(message.contains("https://cognitiveservices.azure.com/.default"), "\(message)")
        #expect(message.contains("\"entra-cognitive-services\""), "\(message)")
        let leaks = message.contains(token) || message.contains(String(token.split(separator: ".")[1]))
        #expect(!leaks, "the refusal contains the token")
    }

    @Test("an Entra token for another resource (Microsoft Graph) is refused by every documented host")
    func otherResource() throws {
        for endpoint in ["acme.openai.azure.com", "acme.cognitiveservices.azure.com", "acme.services.ai.azure.com"] {
            guard case .refused = try verdict("00000003-0000-0000-c000-000000000000", endpoint) else {
                Issue.record("a Graph token to \(endpoint) was not refused")
                continue
            }
        }
    }

    @Test("audience forms: trailing slash, case, an array, and a scope list with /.default are read as the resource")
    func audienceForms() throws {
        #expect(try verdict(Self.cognitive + "/", "acme.openai.azure.com") == .accepted)
        #expect(try verdict("HTTPS://CognitiveServices.Azure.com", "acme.openai.azure.com") == .accepted)
        #expect(try verdict(["api://other", Self.cognitive], "acme.openai.azure.com") == .accepted)
        #expect(try verdict(Self.cognitive + "/.default openid", "acme.openai.azure.com") == .accepted)
        #expect(try verdict([Self.foundry + "/.default", "openid"], "acme.services.ai.azure.com") == .accepted)
    }

    @Test("no verdict for other hosts, look-alike hosts, and tokens without an audience")
    func notJudged() throws {
        let token = Secret(try entraToken(["aud": Self.foundry]))
        for endpoint in [
            "https://gateway.example.com/v1", "https://openai.azure.com/", "https://acme.openai.azure.com.evil.test/",
            "https://acmeopenai.azure.com/", "", "https://",
        ] {
            #expect(EntraAudienceRule.verdict(token: token, endpoint: endpoint) == .notJudged, "\(endpoint)")
        }
        let noAudience = try entraToken(["sub": "x"])
        for other in ["sk-ant-api-key-0123456789", "a.b", "a.!!!.c", noAudience] {
            #expect(EntraAudienceRule.verdict(token: Secret(other), endpoint: "acme.openai.azure.com") == .notJudged)
        }
    }

    @Test("host names: scheme, user information, port, path, case and a trailing dot are taken off")
    func hostNames() {
        #expect(EntraAudienceRule.host(of: "https://u:p@Acme.OpenAI.Azure.com.:443/x?y#z") == "acme.openai.azure.com")
        #expect(EntraAudienceRule.host(of: "acme.services.ai.azure.com") == "acme.services.ai.azure.com")
        #expect(EntraAudienceRule.host(of: "https://") == nil)
        #expect(EntraAudienceRule.host(of: "https://a b/") == nil)
    }
}
