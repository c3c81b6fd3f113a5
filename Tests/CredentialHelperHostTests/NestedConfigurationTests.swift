import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The nested JSON shape of the app's configuration changelog ("JSON (e.g. for non-MDM users or
/// Bootstrap)"), in a `configLibrary` entry and in a JSON file, read as the flat keys it maps to.
/// The changelog documents nested names for the credential kind, timeout, silent refresh, auth
/// scheme and custom headers; the helper path, TTL, provider and gateway URL have flat names only.
@Suite("Configuration in the nested JSON shape")
struct NestedConfigurationTests {
    let folder = HelperScripts()
    static let id = "5b2a9c1e-0d3f-4e6a-8b7c-1a2b3c4d5e6f"

    static let nested = """
        {"inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "https://gw.example.com",
         "inferenceCredentialHelper": "/opt/corp/helper", "inferenceCredentialHelperTtlSec": "900",
         "inference": {
          "credential": {"kind": "helper-script", "timeoutSec": "45", "silentRefreshEnabled": "false",
                         "authScheme": "x-api-key"},
          "customHeaders": "{\\"X-Org\\":\\"acme\\"}"},
         "chatSurface": {"enabled": "true"}}
        """

    static let flat = """
        {"inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "https://gw.example.com",
         "inferenceGatewayAuthScheme": "x-api-key",
         "inferenceCredentialHelper": "/opt/corp/helper", "inferenceCredentialHelperTtlSec": "900",
         "inferenceCredentialHelperTimeoutSec": "45", "inferenceCredentialHelperSilentRefreshEnabled": "false",
         "inferenceCredentialKind": "helper-script", "inferenceCustomHeaders": "{\\"X-Org\\":\\"acme\\"}"}
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
        #expect(nested.configuration.authScheme == .xAPIKey)
        #expect(nested.configuration.customHeaders["X-Org"] == "acme")
        #expect(nested.configuration.credentialKind == "helper-script")
        #expect(nested.warnings.isEmpty, "\(nested.warnings)")
    }

    @Test("a key set in both shapes is refused, naming both")
    func bothShapes() {
        let json = #"{"inferenceCredentialHelperTimeoutSec": "30", "inference": {"credential": {"timeoutSec": "40"}}}"#
        do {
            _ = try ConfigurationLayer.parse(Array(json.utf8), source: "config file /c.json")
            Issue.record("accepted a key set twice")
        } catch {
            #expect(error.message.contains("inferenceCredentialHelperTimeoutSec twice"), "\(error.message)")
            #expect(error.message.contains("inference.credential.timeoutSec"))
        }
    }

    @Test("a guessed nested name the changelog does not document is ignored, with a warning naming the flat key")
    func undocumentedNestedName() throws {
        let json =
            #"{"inferenceCredentialHelper": "/h", "inference": {"credential": {"helper": "/other", "helperTimeoutSec": "5"}}}"#
        let layer = try ConfigurationLayer.parse(Array(json.utf8), source: "config file /c.json")
        let resolved = try HostConfiguration.resolve([layer])
        #expect(resolved.configuration.helperPath == "/h" && resolved.configuration.timeoutSeconds == 60)
        #expect(
            layer.warnings.contains {
                $0.contains("inference.credential.helper is ignored") && $0.contains("inferenceCredentialHelper")
            }, "\(layer.warnings)")
        #expect(layer.warnings.contains { $0.contains("inference.credential.helperTimeoutSec is ignored") })
    }
}
