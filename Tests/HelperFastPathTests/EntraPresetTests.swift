import CredentialHelperProtocol
import TestSupport
import Testing

@testable import HelperFastPath

@Suite("Entra presets in the profiles file")
struct EntraPresetTests {
    static let tenant = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"

    func load(_ profile: String) throws(CredhelperFailure) -> Profile.OAuthSettings? {
        let json = #"{"profiles": {"foundry": \#(profile)}}"#
        let catalog = try ProfileCatalog.decode(
            Array(json.utf8), path: "/p.json", environment: [:], fileIsPrivate: true)
        guard case .oauth(let settings)? = catalog.profiles["foundry"]?.source else { return nil }
        return settings
    }

    @Test("each preset gives the Entra v2 issuer of the tenant and its resource scope with openid and offline_access")
    func presets() throws {
        let cases: [(String, String)] = [
            ("entra-ai-azure", "https://ai.azure.com/.default"),
            ("entra-cognitive-services", "https://cognitiveservices.azure.com/.default"),
        ]
        for (preset, scope) in cases {
            let settings = try #require(
                try load(#"{"preset": "\#(preset)", "tenant": "\#(Self.tenant)", "clientId": "app"}"#))
            #expect(settings.issuer == "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
            #expect(settings.scopes == [scope, "openid", "offline_access"])
            #expect(settings.grant == .authorizationCode && settings.credential == .accessToken)
        }
        let ai = try #require(try load(#"{"preset": "entra-ai-azure", "tenant": "\#(Self.tenant)", "clientId": "a"}"#))
        let cs = try #require(
            try load(#"{"preset": "entra-cognitive-services", "tenant": "\#(Self.tenant)", "clientId": "a"}"#))
        #expect(ai.storeKey != cs.storeKey, "two resources' profiles would share one stored token")
    }

    @Test("an explicit issuer replaces the tenant's (another cloud, a test provider); the scopes stay the preset's")
    func explicitIssuer() throws {
        let settings = try #require(
            try load(#"{"preset": "entra-ai-azure", "issuer": "https://idp.example.test/", "clientId": "app"}"#))
        #expect(settings.issuer == "https://idp.example.test/")
        #expect(settings.scopes == ["https://ai.azure.com/.default", "openid", "offline_access"])
    }

    @Test("mistakes name the key and the fix")
    func mistakes() {
        let cases: [(String, String)] = [
            (#"{"preset": "entra-foundry", "tenant": "\#(Self.tenant)", "clientId": "a"}"#, "entra-ai-azure or"),
            (#"{"preset": "entra-ai-azure", "clientId": "a"}"#, "needs \"tenant\""),
            (#"{"preset": "entra-ai-azure", "tenant": "contoso.onmicrosoft.com", "clientId": "a"}"#, "GUID"),
            (#"{"preset": "entra-ai-azure", "tenant": "organizations", "clientId": "a"}"#, "GUID"),
            (
                #"{"preset": "entra-ai-azure", "tenant": "\#(Self.tenant)", "issuer": "https://x.test", "clientId": "a"}"#,
                "not both"
            ),
            (
                #"{"preset": "entra-ai-azure", "tenant": "\#(Self.tenant)", "scopes": ["openid"], "clientId": "a"}"#,
                "remove \"scopes\""
            ),
            (#"{"issuer": "https://x.test", "tenant": "\#(Self.tenant)", "clientId": "a"}"#, "goes with \"preset\""),
        ]
        for (profile, expected) in cases {
            do {
                _ = try load(profile)
                Issue.record("accepted \(profile)")
            } catch {
                #expect(error.code == .configuration && error.detail.contains(expected), "\(error.description)")
            }
        }
    }
}
