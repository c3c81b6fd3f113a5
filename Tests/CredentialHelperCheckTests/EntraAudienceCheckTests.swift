import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import Testing

extension ProblemCodeTests {
    /// `credhelper check --endpoint`: a real helper script printing an Entra-shaped token.
    func check(printing token: String, endpoint: String?) async -> CheckReport {
        let helper = scripts.script("entra-\(UUID().uuidString).sh", "echo '\(token)'")
        return await HelperChecker(
            configuration: HostConfiguration(helperPath: helper, timeoutSeconds: 10), contexts: [.interactive],
            runner: runner, endpoint: endpoint
        ).check()
    }

    @Test("entra-audience-mismatch: a token for https://ai.azure.com checked against an Azure OpenAI endpoint")
    func entraAudienceMismatch() async throws {
        let token = try entraToken(["aud": "https://ai.azure.com"])
        let refused = await check(printing: token, endpoint: "https://acme.openai.azure.com/openai/v1")
        #expect(codes(refused) == [.checker(.entraAudienceMismatch)])
        #expect(!refused.ok)
        let problem = try #require(refused.runs.first?.problems.first)
        #expect(problem.severity == .error)
        #expect(problem.message.contains("https://cognitiveservices.azure.com/.default"), "\(problem.message)")

        let foundry = await check(printing: token, endpoint: "https://acme.services.ai.azure.com/api/projects/p")
        #expect(foundry.ok, "a Foundry host refused an ai.azure.com token: \(foundry.allProblems)")
        let noEndpoint = await check(printing: token, endpoint: nil)
        #expect(noEndpoint.ok, "with no endpoint the audience was judged: \(noEndpoint.allProblems)")
    }
}
