import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// Configuration where macOS hosts keep it: managed-preference property lists (XML and binary) and
/// configuration profiles, written by Python's plistlib — a separate implementation of the format.
@Suite("Configuration from property lists and configuration profiles")
struct PropertyListConfigurationTests {
    let folder = HelperScripts()

    /// Writes `python` (a dict literal) with plistlib in `format` (FMT_XML or FMT_BINARY).
    func plist(_ name: String, _ python: String, format: String) async throws -> String {
        let path = folder.path(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import plistlib, sys; plistlib.dump(\(python), open(sys.argv[1], 'wb'), fmt=plistlib.\(format))", path,
        ]
        try process.run()
        try await OffPool.wait { process.waitUntilExit() }
        try #require(process.terminationStatus == 0, "plistlib could not write \(name)")
        return path
    }

    static let managed = """
        {"inferenceCredentialHelper": "/usr/local/bin/corp-helper", "inferenceCredentialHelperTtlSec": "1800",
         "inferenceCredentialHelperSilentRefreshEnabled": "false", "inferenceCustomHeaders": '{"X-Org": "acme"}',
         "inferenceGatewayAuthScheme": "x-api-key", "unrelatedKey": "ignored"}
        """

    @Test(
        "a managed-preferences plist, XML or binary, with every value a string", arguments: ["FMT_XML", "FMT_BINARY"])
    func managedPreferences(format: String) async throws {
        let path = try await plist("com.anthropic.claudefordesktop.plist", Self.managed, format: format)
        let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
        #expect(configuration.helperPath == "/usr/local/bin/corp-helper")
        #expect(configuration.ttlSeconds == 1800)
        #expect(!configuration.silentRefreshEnabled)
        #expect(configuration.customHeaders["X-Org"] == "acme")
        #expect(configuration.authScheme == .xAPIKey)
    }

    @Test("native plist types (integer, boolean) are accepted too")
    func nativeTypes() async throws {
        let path = try await plist(
            "native.plist",
            #"{"inferenceCredentialHelper": "/h", "inferenceCredentialHelperTimeoutSec": 30, "inferenceCredentialHelperSilentRefreshEnabled": False}"#,
            format: "FMT_BINARY")
        let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
        #expect(configuration.timeoutSeconds == 30)
        #expect(!configuration.silentRefreshEnabled)
    }

    @Test("a native <dict> for inferenceCustomHeaders is read as the equivalent JSON, as the app reads it on macOS")
    func nativeDictionary() async throws {
        let headers = #"{"X-Org": "acme"}"#
        let profile =
            #"{"PayloadContent": [{"PayloadType": "com.anthropic.claudefordesktop", "inferenceCredentialHelper": "/h", "inferenceCustomHeaders": "#
            + headers + "}]}"
        let flat = #"{"inferenceCredentialHelper": "/h", "inferenceCustomHeaders": "# + headers + "}"
        for path in [
            try await plist("native-headers.plist", flat, format: "FMT_XML"),
            try await plist("native-headers.mobileconfig", profile, format: "FMT_XML"),
        ] {
            let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
            #expect(configuration.customHeaders["X-Org"] == "acme", "\(path)")
        }
    }

    @Test("a native <array> of \"Name: Value\" strings is the retired list form: an error naming the key")
    func nativeArray() async throws {
        let path = try await plist(
            "native-list.plist", #"{"inferenceCredentialHelper": "/h", "inferenceCustomHeaders": ["X-Org: acme"]}"#,
            format: "FMT_XML")
        let error = #expect(throws: ConfigurationError.self) {
            try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)])
        }
        #expect(error?.message.hasPrefix("inferenceCustomHeaders (from config file \(path))") == true)
        #expect(error?.message.contains("JSON object") == true, "\(error?.message ?? "")")
    }

    @Test("a .mobileconfig profile: the keys of the app's payload, other payloads ignored")
    func configurationProfile() async throws {
        let profile = """
            {"PayloadType": "Configuration", "PayloadContent": [
              {"PayloadType": "com.apple.dock", "inferenceCredentialHelper": "/wrong"},
              {"PayloadType": "com.anthropic.claudefordesktop", "inferenceCredentialHelper": "/opt/corp/helper",
               "inferenceCredentialHelperTimeoutSec": "45"}]}
            """
        let path = try await plist("corp.mobileconfig", profile, format: "FMT_XML")
        let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
        #expect(configuration.helperPath == "/opt/corp/helper")
        #expect(configuration.timeoutSeconds == 45)
    }

    @Test("a broken plist, or a profile without the app's payload, is a configuration error naming the file")
    func refusals() async throws {
        let broken = folder.path("broken.plist")
        folder.write("<?xml version=\"1.0\"?><plist><dict><key>x</key>", to: broken)
        let noPayload = try await plist(
            "other.mobileconfig", #"{"PayloadContent": [{"PayloadType": "com.apple.dock"}]}"#, format: "FMT_XML")
        for path in [broken, noPayload] {
            do {
                _ = try ConfigurationLayer.file(at: path)
                Issue.record("accepted \(path)")
            } catch {
                #expect(error.code == .malformedFile && error.description.contains(path), "\(error)")
            }
        }
    }
}
