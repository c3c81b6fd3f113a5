import Foundation
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The Entra presets end to end against the real identity provider (glewlwyd with the two Azure AI
/// resource scopes configured), and `get` / `check` with `--endpoint` refusing a token sent to a host
/// of the other resource.
extension ReadyHelperTests {
    /// Profiles `foundry` (entra-ai-azure) and `aoai` (entra-cognitive-services) at the test provider.
    static func entraHarness() async throws -> ReadyHelperHarness {
        let info = try await IdentityProvider.shared(.glewlwyd).info
        func profile(_ preset: String) -> [String: any Sendable] {
            [
                "preset": preset, "issuer": info.issuer, "clientId": info.publicClient,
                "redirectPort": info.redirectPort, "hostTtlSec": 600, "skewSec": 30,
            ]
        }
        return try await ReadyHelperHarness(
            extra: ["foundry": profile("entra-ai-azure"), "aoai": profile("entra-cognitive-services")])
    }

    /// The claims of a JWT, read in the test without printing it.
    static func claims(_ token: String) -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var base64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    func entraGet(_ harness: ReadyHelperHarness, _ profile: String, endpoint: String, context: String = "interactive")
        async throws -> BuiltBinary.Result
    {
        try await BuiltBinary.run(
            [
                "get", "--helper", harness.link(profile), "--context", context, "--no-cache", "--json",
                "--show-secrets", "--endpoint", endpoint,
            ], environment: harness.environment)
    }

    @Test("Entra presets sign in with each resource scope; get refuses a token sent to the other resource's host")
    func entraPresetsSignInAndGetRefuses() async throws {
        let harness = try await Self.entraHarness()
        let openAI = "https://acme.openai.azure.com/openai/v1/chat/completions"
        let project = "https://acme.services.ai.azure.com/api/projects/p"

        let aoai = try await entraGet(harness, "aoai", endpoint: openAI)
        #expect(aoai.status == 0, "aoai sign-in or get failed: \(aoai.stderr)")
        let aoaiToken = try #require(ReadyHelperHarness.token(from: aoai))
        let aoaiScope = Self.claims(aoaiToken)["scope"] as? String ?? ""
        #expect(
            aoaiScope.split(separator: " ").contains("https://cognitiveservices.azure.com/.default"),
            "the provider did not grant the entra-cognitive-services scope: \(aoaiScope)")

        let foundry = try await entraGet(harness, "foundry", endpoint: project)
        #expect(foundry.status == 0, "foundry sign-in or get failed: \(foundry.stderr)")
        let foundryToken = try #require(ReadyHelperHarness.token(from: foundry))
        let foundryScope = Self.claims(foundryToken)["scope"] as? String ?? ""
        #expect(
            foundryScope.split(separator: " ").contains("https://ai.azure.com/.default"),
            "the provider did not grant the entra-ai-azure scope: \(foundryScope)")
        let distinct = aoaiToken != foundryToken
        #expect(distinct, "the two presets' profiles answered with one token")

        // The ai.azure.com token to Azure OpenAI: refused, exit 2, the scope and preset named, no token.
        let refused = try await entraGet(harness, "foundry", endpoint: openAI, context: "background")
        #expect(refused.status == 2 && refused.stdout.isEmpty, "status \(refused.status)")
        #expect(refused.stderr.contains("https://cognitiveservices.azure.com/.default"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\"entra-cognitive-services\""), "\(refused.stderr)")
        #expect(refused.stderr.contains("acme.openai.azure.com (Azure OpenAI)"), "\(refused.stderr)")
        let leaked = refused.stderr.contains(foundryToken) || refused.stderr.contains(aoaiToken)
        #expect(!leaked, "the refusal printed a token")

        // Foundry's host takes both audiences (the model routes and the project routes).
        let both = [
            try await entraGet(
                harness, "aoai", endpoint: "https://acme.services.ai.azure.com/anthropic", context: "background"),
            try await entraGet(harness, "foundry", endpoint: project, context: "background"),
        ]
        #expect(both.map(\.status) == [0, 0], "\(both.map(\.stderr))")
        let malformed = try await entraGet(harness, "aoai", endpoint: "https://", context: "background")
        #expect(malformed.status == 2 && malformed.stderr.contains("--endpoint"), "\(malformed.stderr)")
    }

    @Test("check --endpoint reports entra-audience-mismatch for the other resource's token, and passes the right one")
    func entraCheckEndpoint() async throws {
        let harness = try await Self.entraHarness()
        for profile in ["aoai", "foundry"] {
            let signIn = try await entraGet(harness, profile, endpoint: "https://acme.services.ai.azure.com/anthropic")
            #expect(signIn.status == 0, "\(profile) sign-in failed: \(signIn.stderr)")
        }
        func check(_ profile: String) async throws -> (status: Int32, codes: [String]) {
            let result = try await BuiltBinary.run(
                [
                    "check", harness.link(profile), "--context", "background", "--json", "--endpoint",
                    "https://acme.openai.azure.com",
                ], environment: harness.environment)
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let runs = report["runs"] as? [[String: Any]] ?? []
            let codes = runs.flatMap { ($0["problems"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
            return (result.status, codes)
        }
        let wrong = try await check("foundry")
        #expect(wrong.status == 1 && wrong.codes == ["entra-audience-mismatch"], "\(wrong)")
        let right = try await check("aoai")
        #expect(right.status == 0 && right.codes.isEmpty, "\(right)")
    }
}
