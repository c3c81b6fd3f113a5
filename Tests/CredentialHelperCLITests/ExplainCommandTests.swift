import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper get --explain`: each key's effective value and source, secrets hidden, the helper not run.
@Suite("credhelper get --explain", .timeLimit(.minutes(1)))
struct ExplainCommandTests {
    let scripts = HelperScripts()

    @Test("text and JSON: values with their sources, the API key and header values hidden, the helper not run")
    func explain() async throws {
        let marker = scripts.path("ran")
        let helper = scripts.script("helper.sh", "touch '\(marker)'; echo tok-0123456789")
        let config = scripts.path("c.json")
        scripts.write(
            #"{"inferenceCredentialHelper": "\#(helper)", "inferenceGatewayApiKey": "sk-very-secret", "inferenceCustomHeaders": "{\"X-Org\":\"secret-org-value\"}", "inferenceGatewayBaseUrl": "https://u:pw@gw.example.com/v1?key=query-secret"}"#,
            to: config, mode: 0o600)
        let environment = ["INFERENCE_CREDENTIAL_HELPER_TTL_SEC": "120"]
        let text = try await BuiltBinary.run(["get", "--config", config, "--explain"], environment: environment)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains("inferenceCredentialHelperTtlSec") && text.stdout.contains("120  [the environment]"))
        #expect(text.stdout.contains("[config file \(config)]"))
        #expect(text.stdout.contains("inferenceGatewayAuthScheme") && text.stdout.contains("bearer  [default]"))
        #expect(text.stdout.contains("X-Org (values hidden)"))
        #expect(text.stdout.contains("https://…@gw.example.com/v1?…"))
        let leaked = ["sk-very-secret", "secret-org-value", "pw@", "query-secret"].contains { text.stdout.contains($0) }
        #expect(!leaked, "a secret was printed")
        #expect(!FileManager.default.fileExists(atPath: marker), "--explain ran the helper")

        let json = try await BuiltBinary.run(
            ["get", "--config", config, "--explain", "--json"], environment: environment)
        #expect(json.status == 0)
        struct Entry: Decodable {
            let key: String
            let value: String?
            let source: String
        }
        struct Document: Decodable { let effective: [Entry] }
        let document = try JSONDecoder().decode(Document.self, from: Data(json.stdout.utf8))
        let ttl = document.effective.first { $0.key == "inferenceCredentialHelperTtlSec" }
        #expect(ttl?.value == "120")
        #expect(ttl?.source == "the environment")
        let jsonLeaked = ["sk-very-secret", "secret-org-value"].contains { json.stdout.contains($0) }
        #expect(!jsonLeaked, "a secret was printed")
    }
}
