import CredentialHelperHost
import CredentialHelperProtocol
import Testing

@Suite("Configuration: keys, string forms, layering")
struct ConfigurationTests {
    func resolve(_ values: [ConfigurationKey: JSONValue]) throws(ConfigurationError) -> ResolvedConfiguration {
        var all = values
        if all[.helper] == nil { all[.helper] = .string("/usr/local/bin/helper") }
        return try HostConfiguration.resolve([ConfigurationLayer(source: "test", values: all)])
    }

    @Test("defaults")
    func defaults() throws {
        let configuration = try resolve([:]).configuration
        #expect(configuration.ttlSeconds == 3600)
        #expect(configuration.timeoutSeconds == 60)
        #expect(configuration.silentRefreshEnabled)
        #expect(configuration.customHeaders.isEmpty)
        #expect(configuration.authScheme == .bearer)
    }

    @Test(
        "managed-preference string forms are accepted",
        arguments: [
            (JSONValue.string("true"), true), (.string("false"), false), (.string("1"), true), (.string("0"), false),
            (.bool(false), false), (.number(1), true),
        ])
    func booleans(value: JSONValue, expected: Bool) throws {
        #expect(try resolve([.silentRefresh: value]).configuration.silentRefreshEnabled == expected)
    }

    @Test(
        "integers as numbers or decimal strings",
        arguments: [
            (JSONValue.string("3600"), 3600), (.number(120), 120), (.string(" 90 "), 90), (.string("0"), 0),
        ])
    func integers(value: JSONValue, expected: Int) throws {
        #expect(try resolve([.ttl: value]).configuration.ttlSeconds == expected)
    }

    @Test("custom headers: an object, native or as JSON text; the retired \"Name: Value\" list is refused")
    func headers() throws {
        let forms: [JSONValue] = [
            .object(["X-Org": .string("prod"), "X-Team": .string("ml")]),
            .string("{\"X-Org\":\"prod\",\"X-Team\":\"ml\"}"),
        ]
        for form in forms {
            let headers = try resolve([.customHeaders: form]).configuration.customHeaders
            #expect(headers["x-org"] == "prod")
            #expect(headers["X-Team"] == "ml")
            #expect(headers.count == 2)
        }
        for retired in [JSONValue.array([.string("X-Org: prod")]), .string("[\"X-Org: prod\"]")] {
            let error = #expect(throws: ConfigurationError.self) { try resolve([.customHeaders: retired]) }
            #expect(error?.message.contains("rejects as malformed") == true, "\(error?.message ?? "")")
        }
    }

    @Test(
        "bad values name the key, the source and the value",
        arguments: [
            (ConfigurationKey.silentRefresh, JSONValue.string("yes"), "\"yes\""),
            (.silentRefresh, .string("TRUEISH"), "\"TRUEISH\""),
            (.ttl, .string("1h"), "\"1h\""),
            (.ttl, .number(1.5), "1.5"),
            (.ttl, .string("-5"), "\"-5\""),
            (.timeout, .string("0"), "\"0\""),
            (.timeout, .bool(true), "true"),
            (.authScheme, .string("basic"), "\"basic\""),
            (.customHeaders, .string("X-Org: prod"), "is a string"),
            (.customHeaders, .object(["Host": .string("x")]), "Host"),
            (.customHeaders, .object(["X-A": .number(1)]), "X-A"),
            (.customHeaders, .array([.string("no colon")]), "list of"),
            (.helper, .number(5), "5"),
        ])
    func invalid(key: ConfigurationKey, value: JSONValue, shown: String) {
        do {
            _ = try resolve([key: value])
            Issue.record("\(key) accepted \(value)")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.message.contains(key.rawValue))
            #expect(error.message.contains("from test"))
            #expect(error.message.contains(shown), "\(error.message)")
        }
    }

    @Test("a timeout over 600 is clamped with a warning")
    func clamp() throws {
        let resolved = try resolve([.timeout: .string("900")])
        #expect(resolved.configuration.timeoutSeconds == 600)
        #expect(resolved.warnings.count == 1)
        #expect(resolved.warnings[0].contains("900"))
        #expect(resolved.configuration.timeout(for: .background) == .seconds(600))
    }

    @Test("a missing helper path is a configuration error that says where to set it")
    func missingHelper() {
        do {
            _ = try HostConfiguration.resolve([])
            Issue.record("resolved without a helper")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.message.contains("INFERENCE_CREDENTIAL_HELPER"))
        }
    }

    @Test("claude_desktop_config.json with enterpriseConfig, and a flat object")
    func files() throws {
        let desktop = """
            {"mcpServers": {}, "enterpriseConfig": {"inferenceCredentialHelper": "/opt/h",
             "inferenceCredentialHelperTtlSec": "600", "inferenceCredentialHelperSilentRefreshEnabled": "0",
             "inferenceGatewayAuthScheme": "x-api-key", "inferenceCredentialHelperTTL": 5}}
            """
        let layer = try ConfigurationLayer.parse(Array(desktop.utf8), source: "desktop")
        let resolved = try HostConfiguration.resolve([layer])
        #expect(resolved.configuration.helperPath == "/opt/h")
        #expect(resolved.configuration.ttlSeconds == 600)
        #expect(!resolved.configuration.silentRefreshEnabled)
        #expect(resolved.configuration.authScheme == .xAPIKey)
        #expect(resolved.warnings.contains { $0.contains("inferenceCredentialHelperTTL") })

        let flat = "{\"inferenceCredentialHelper\": \"/opt/flat\", \"inferenceCustomHeaders\": {\"X-A\": \"1\"}}"
        let flatResolved = try HostConfiguration.resolve([
            try ConfigurationLayer.parse(Array(flat.utf8), source: "flat")
        ])
        #expect(flatResolved.configuration.helperPath == "/opt/flat")
        #expect(flatResolved.configuration.customHeaders["X-A"] == "1")

        #expect(throws: ConfigurationError.self) {
            try ConfigurationLayer.parse(Array("{\"a\":".utf8), source: "broken")
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLayer.parse(Array("[1]".utf8), source: "array") }
        #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: "/nonexistent/config.json") }
    }

    @Test("layers: flags over environment over file")
    func layering() throws {
        let file = ConfigurationLayer(
            source: "file",
            values: [
                .helper: .string("/file/helper"), .ttl: .number(10), .timeout: .number(30),
            ])
        let environment = ConfigurationLayer.environment([
            "INFERENCE_CREDENTIAL_HELPER_TTL_SEC": "20", "INFERENCE_CREDENTIAL_HELPER": "/env/helper",
            "INFERENCE_CREDENTIAL_HELPER_TIMEOUT_SEC": "",
        ])
        let flags = ConfigurationLayer(source: "flags", values: [.helper: .string("/flag/helper")])
        let configuration = try HostConfiguration.resolve([file, environment, flags]).configuration
        #expect(configuration.helperPath == "/flag/helper")
        #expect(configuration.ttlSeconds == 20)
        #expect(configuration.timeoutSeconds == 30)
    }

    @Test("environment variable names")
    func environmentNames() {
        #expect(
            ConfigurationKey.allCases.map(\.environmentVariable) == [
                "INFERENCE_CREDENTIAL_HELPER", "INFERENCE_CREDENTIAL_HELPER_TTL_SEC",
                "INFERENCE_CREDENTIAL_HELPER_TIMEOUT_SEC", "INFERENCE_CREDENTIAL_HELPER_SILENT_REFRESH_ENABLED",
                "INFERENCE_CUSTOM_HEADERS", "INFERENCE_GATEWAY_AUTH_SCHEME", "INFERENCE_PROVIDER",
                "INFERENCE_GATEWAY_BASE_URL", "INFERENCE_GATEWAY_API_KEY", "INFERENCE_CREDENTIAL_KIND",
            ])
    }
}

@Suite("Configuration: bounds and hostile values")
struct ConfigurationBoundsTests {
    func resolve(_ values: [ConfigurationKey: JSONValue]) throws(ConfigurationError) -> ResolvedConfiguration {
        var all = values
        if all[.helper] == nil { all[.helper] = .string("/usr/local/bin/helper") }
        return try HostConfiguration.resolve([ConfigurationLayer(source: "test", values: all)])
    }

    @Test("a TTL over one day is clamped to one day with a warning naming the key")
    func ttlClamp() throws {
        let resolved = try resolve([.ttl: .string("31536000")])
        #expect(resolved.configuration.ttlSeconds == 86_400)
        #expect(resolved.configuration.ttl == .seconds(86_400))
        #expect(resolved.warnings.contains { $0.contains("inferenceCredentialHelperTtlSec") && $0.contains("86400") })
        #expect(try resolve([.ttl: .number(86_400)]).warnings.isEmpty)
    }

    @Test(
        "custom header values with control characters are configuration errors",
        arguments: ["{\"X-A\": \"\\u001b[2J\"}", "{\"X-A\": \"a\\u007fb\"}", "{\"X-A\": \"a\\u000bb\"}"])
    func controlCharacters(json: String) {
        do {
            _ = try resolve([.customHeaders: .string(json)])
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.description.contains("control character"), "\(error)")
        }
    }
}

@Suite("Configuration: findings of the fuzzer")
struct ConfigurationFuzzFindingTests {
    @Test("a number too large for any integer is a configuration error, not a crash")
    func hugeNumber() {
        for text in [
            #"{"inferenceCredentialHelper": "/h", "inferenceCredentialHelperTtlSec": 1e309}"#,
            #"{"inferenceCredentialHelper": "/h", "inferenceCredentialHelperTimeoutSec": -1e309}"#,
        ] {
            do {
                _ = try HostConfiguration.resolve([try ConfigurationLayer.parse(Array(text.utf8), source: "f")])
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == .malformedFile && !error.description.isEmpty)
            }
        }
    }
}
