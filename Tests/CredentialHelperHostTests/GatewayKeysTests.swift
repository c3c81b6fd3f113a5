import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The keys around the helper (docs/configuration.md): gateway keys, `inferenceCredentialKind`,
/// the older `inferenceGatewayHeaders`, and unknown keys named with the closest known one.
@Suite("Configuration: gateway keys, credential kind, older names, typos")
struct GatewayKeysTests {
    func resolve(_ json: String) throws(ConfigurationError) -> ResolvedConfiguration {
        let layer = try ConfigurationLayer.parse(Array(json.utf8), source: "config file /c.json")
        return try HostConfiguration.resolve([layer])
    }

    @Test("gateway keys are read; the API key is kept only as set")
    func gatewayKeys() throws {
        let resolved = try resolve(
            #"{"inferenceCredentialHelper": "/h", "inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "https://gw.example.com/v1", "inferenceCredentialKind": "helper-script"}"#
        )
        #expect(resolved.configuration.provider == "gateway")
        #expect(resolved.configuration.gatewayBaseURL == "https://gw.example.com/v1")
        #expect(resolved.configuration.credentialKind == "helper-script")
        #expect(resolved.warnings.isEmpty, "\(resolved.warnings)")
    }

    @Test(
        "a credential kind or provider the app does not list: 'helper' and the retired 'oauth' are refused; an unknown provider warned about"
    )
    func kindValues() throws {
        for kind in ["helper", "oauth", "Helper-Script"] {
            let error = #expect(throws: ConfigurationError.self) {
                try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceCredentialKind": "\#(kind)"}"#)
            }
            #expect(error?.message.contains("helper-script") == true, "\(error?.message ?? "")")
        }
        let oauth = #expect(throws: ConfigurationError.self) {
            try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceCredentialKind": "oauth"}"#)
        }
        #expect(oauth?.message.contains("use \"interactive\"") == true)
        let provider = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceProvider": "gatway"}"#)
        #expect(provider.warnings.contains { $0.contains("inferenceProvider") && $0.contains("gateway, anthropic") })
    }

    @Test("the retired auth schemes sso and auto are refused with their replacement")
    func retiredAuthSchemes() {
        for (scheme, replacement) in [
            ("sso", "inferenceCredentialKind to \"interactive\""), ("AUTO", "use \"bearer\""),
        ] {
            let error = #expect(throws: ConfigurationError.self) {
                try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceGatewayAuthScheme": "\#(scheme)"}"#)
            }
            #expect(error?.message.contains(replacement) == true, "\(error?.message ?? "")")
        }
    }

    @Test("a refused gateway base URL is shown without its user information, query or fragment")
    func refusedURLHidesSecrets() {
        let error = #expect(throws: ConfigurationError.self) {
            try resolve(
                #"{"inferenceCredentialHelper": "/h", "inferenceGatewayBaseUrl": "http://u:pw-secret@gw.example.com/v1?key=q-secret#f-secret"}"#
            )
        }
        let message = error?.message ?? ""
        #expect(message.contains("gw.example.com/v1"), "\(message)")
        #expect(!message.contains("pw-secret") && !message.contains("q-secret") && !message.contains("f-secret"))
    }

    @Test("the gateway base URL must be https://", arguments: ["http://gw.example.com", "gw.example.com", "https://"])
    func httpsOnly(url: String) {
        do {
            _ = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceGatewayBaseUrl": "\#(url)"}"#)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.message.hasPrefix("inferenceGatewayBaseUrl (from config file /c.json)"), "\(error.message)")
            #expect(error.message.contains("https://"))
        }
    }

    @Test("a bad API key value is an error that does not show it")
    func apiKeyNotShown() {
        do {
            _ = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceGatewayApiKey": ""}"#)
            Issue.record("accepted an empty key")
        } catch {
            #expect(error.message.contains("inferenceGatewayApiKey"))
        }
    }

    @Test(
        "custom headers that are not JSON are an error that names the key and never shows the value (it holds secrets)",
        arguments: [
            #""X-Api-Key: sk-live-hidden-value""#, #""{\"X-Api-Key\": \"sk-live-hidden-value\"""#,
            #"42"#,
        ])
    func customHeadersValueNotShown(value: String) {
        do {
            _ = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceCustomHeaders": \#(value)}"#)
            Issue.record("accepted custom headers that are not a JSON object or array")
        } catch {
            let leaked = error.message.contains("sk-live-hidden-value")
            #expect(!leaked, "the error message shows the custom header's value")
            #expect(error.message.hasPrefix("inferenceCustomHeaders (from config file /c.json)"))
            #expect(error.message.contains("a JSON object like"))
        }
    }

    @Test("a helper while the credential kind names another method is warned about")
    func kindContradictsHelper() throws {
        let resolved = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceCredentialKind": "interactive"}"#)
        #expect(resolved.warnings.contains { $0.contains("does not run the helper") }, "\(resolved.warnings)")
    }

    @Test("a static key next to a helper is warned about: the helper always wins, the key is ignored")
    func keyAndHelper() throws {
        let resolved = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceGatewayApiKey": "sk-secret-value"}"#)
        #expect(resolved.configuration.hasGatewayAPIKey)
        #expect(
            resolved.warnings.contains { $0.contains("inferenceGatewayApiKey") && $0.contains("helper always wins") },
            "\(resolved.warnings)")
        let leaked = resolved.warnings.contains { $0.contains("sk-secret-value") }
        #expect(!leaked, "a warning showed the API key")
    }

    @Test("inferenceGatewayHeaders, which the app stopped reading on 7 October 2026, is ignored with a warning")
    func olderHeadersName() throws {
        let older = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceGatewayHeaders": "{\"X-Org\":\"a\"}"}"#)
        #expect(older.configuration.customHeaders.fields.isEmpty)
        #expect(older.warnings.contains { $0.contains("inferenceGatewayHeaders is ignored") && $0.contains("rename") })
        let both = try resolve(
            #"{"inferenceCredentialHelper": "/h", "inferenceGatewayHeaders": "{\"X-Org\":\"a\"}", "inferenceCustomHeaders": "{\"X-Org\":\"b\"}"}"#
        )
        #expect(both.configuration.customHeaders["X-Org"] == "b")
    }

    @Test("a dotted name such as inferenceCustomHeaders.X-Org is never read; the warning names the whole key")
    func dottedName() throws {
        let resolved = try resolve(#"{"inferenceCredentialHelper": "/h", "inferenceCustomHeaders.X-Org": "acme"}"#)
        #expect(resolved.configuration.customHeaders.fields.isEmpty)
        #expect(
            resolved.warnings.contains {
                $0.contains("never reads dotted names") && $0.contains("inferenceCustomHeaders,")
            })
    }

    @Test(
        "an unknown key is named with the closest known key",
        arguments: [
            ("inferenceCredentialHelperTTLSec", "inferenceCredentialHelperTtlSec"),
            ("inferenceCustomHeader", "inferenceCustomHeaders"),
            ("inferenceGatewayBaseURL", "inferenceGatewayBaseUrl"),
            ("inferenceCredentalHelper", "inferenceCredentialHelper"),
        ])
    func closestKey(typo: String, known: String) throws {
        let resolved = try resolve(#"{"inferenceCredentialHelper": "/h", "\#(typo)": "1"}"#)
        #expect(
            resolved.warnings == [
                "config file /c.json: unknown key \"\(typo)\" is ignored; did you mean \"\(known)\"?"
            ],
            "\(resolved.warnings)")
    }

    @Test("the app's other keys are not called typos")
    func otherAppKeys() throws {
        let resolved = try resolve(
            #"{"inferenceCredentialHelper": "/h", "inferenceModels": "[\"m\"]", "disabledBuiltinTools": "[]"}"#)
        #expect(resolved.warnings.isEmpty, "\(resolved.warnings)")
    }
}
