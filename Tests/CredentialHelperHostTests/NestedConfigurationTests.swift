import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The nested JSON shape of the app's configuration changelog ("JSON (Non-MDM User, Bootstrap
/// Remote)"), in a `configLibrary` entry and in a JSON file, read as the flat keys it maps to.
@Suite("Configuration in the nested JSON shape")
struct NestedConfigurationTests {
    let folder = HelperScripts()
    static let id = "5b2a9c1e-0d3f-4e6a-8b7c-1a2b3c4d5e6f"

    static let nested = """
        {"inference": {"provider": "gateway",
          "gateway": {"baseUrl": "https://gw.example.com", "authScheme": "x-api-key", "apiKey": "sk-nested-secret"},
          "credential": {"helper": "/opt/corp/helper", "helperTtlSec": "900", "helperTimeoutSec": "45",
                         "helperSilentRefreshEnabled": "false", "kind": "helper"},
          "customHeaders": "{\\"X-Org\\":\\"acme\\"}"},
         "chatSurface": {"enabled": "true"}}
        """

    static let flat = """
        {"inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "https://gw.example.com",
         "inferenceGatewayAuthScheme": "x-api-key", "inferenceGatewayApiKey": "sk-nested-secret",
         "inferenceCredentialHelper": "/opt/corp/helper", "inferenceCredentialHelperTtlSec": "900",
         "inferenceCredentialHelperTimeoutSec": "45", "inferenceCredentialHelperSilentRefreshEnabled": "false",
         "inferenceCredentialKind": "helper", "inferenceCustomHeaders": "{\\"X-Org\\":\\"acme\\"}"}
        """

    func library(entry: String) -> String {
        let path = folder.subdirectory("configLibrary", mode: 0o700)
        folder.write(
            #"{"appliedId": "\#(Self.id)", "entries": [{"id": "\#(Self.id)", "name": "Nested"}]}"#,
            to: path + "/_meta.json", mode: 0o600)
        folder.write(entry, to: path + "/\(Self.id).json", mode: 0o600)
        return path
    }

    @Test("a configLibrary entry in the nested shape resolves exactly as the same keys in the flat shape")
    func libraryNestedEqualsFlat() throws {
        let nested = try HostConfiguration.resolve([try ConfigurationLayer.file(at: library(entry: Self.nested))])
        let flatPath = folder.path("flat.json")
        folder.write(Self.flat, to: flatPath, mode: 0o600)
        let flat = try HostConfiguration.resolve([try ConfigurationLayer.file(at: flatPath)])
        #expect(nested.configuration == flat.configuration)
        #expect(nested.configuration.helperPath == "/opt/corp/helper")
        #expect(nested.configuration.ttlSeconds == 900 && nested.configuration.timeoutSeconds == 45)
        #expect(!nested.configuration.silentRefreshEnabled)
        #expect(nested.configuration.customHeaders["X-Org"] == "acme")
        #expect(nested.configuration.gatewayBaseURL == "https://gw.example.com")
        #expect(nested.warnings.isEmpty, "\(nested.warnings)")
    }

    @Test("a key set in both shapes is refused, naming both")
    func bothShapes() {
        let json = #"{"inferenceCredentialHelper": "/a", "inference": {"credential": {"helper": "/b"}}}"#
        do {
            _ = try ConfigurationLayer.parse(Array(json.utf8), source: "config file /c.json")
            Issue.record("accepted a key set twice")
        } catch {
            #expect(error.message.contains("inferenceCredentialHelper twice"), "\(error.message)")
            #expect(error.message.contains("inference.credential.helper"))
        }
    }

    @Test("a nested helper-looking name the host does not read is warned about with the names it reads")
    func unknownNestedName() throws {
        let json = #"{"inference": {"credential": {"helper": "/h", "helperTTL": "5"}}}"#
        let layer = try ConfigurationLayer.parse(Array(json.utf8), source: "config file /c.json")
        #expect(layer.warnings.contains { $0.contains("inference.credential.helperTTL is not a key the host reads") })
    }
}
