import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The app's one precedence rule (docs/configuration.md, "Precedence"): a managed source wins over
/// everything; then flags over environment variables over local files; among local files the later
/// one wins. One test per pair of sources, with real files in a managed location and outside it.
@Suite("Configuration precedence: one test per pair of sources")
struct PrecedenceTests {
    let folder = HelperScripts()
    let locations: ManagedLocations

    init() {
        locations = ManagedLocations(directories: [folder.subdirectory("Managed Preferences", mode: 0o755)])
    }

    /// A managed property list (in the managed location) setting the helper and `x-api-key`.
    func managedPlist() -> String {
        let path = locations.directories[0] + "/com.anthropic.claudefordesktop.plist"
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
            <key>inferenceCredentialHelper</key><string>/managed/helper</string>
            <key>inferenceGatewayAuthScheme</key><string>x-api-key</string>
            </dict></plist>
            """, to: path, mode: 0o644)
        return path
    }

    /// A local flat JSON file.
    func localJSON(_ name: String, helper: String, scheme: String = "bearer", ttl: String = "900") -> String {
        let path = folder.path(name)
        folder.write(
            #"{"inferenceCredentialHelper": "\#(helper)", "inferenceGatewayAuthScheme": "\#(scheme)", "inferenceCredentialHelperTtlSec": "\#(ttl)"}"#,
            to: path, mode: 0o600)
        return path
    }

    let environment = ConfigurationLayer.environment([
        "INFERENCE_CREDENTIAL_HELPER": "/env/helper", "INFERENCE_GATEWAY_AUTH_SCHEME": "bearer",
    ])
    let flags = ConfigurationLayer(
        source: "the command line", values: [.helper: .string("/flag/helper"), .authScheme: .string("bearer")])

    func resolve(files: [String], environment: ConfigurationLayer? = nil, flags: ConfigurationLayer? = nil) throws
        -> HostConfiguration
    {
        var layers = try ConfigurationLayer.files(at: files, managedLocations: locations)
        if let environment { layers.append(environment) }
        if let flags { layers.append(flags) }
        return try HostConfiguration.resolve(layers).configuration
    }

    @Test("managed over local file, in either order; a key the managed file does not set is ignored too")
    func managedOverLocal() throws {
        let managed = managedPlist()
        let local = localJSON("local.json", helper: "/local/helper")
        for files in [[managed, local], [local, managed]] {
            let configuration = try resolve(files: files)
            #expect(configuration.helperPath == "/managed/helper")
            #expect(configuration.authScheme == .xAPIKey)
            #expect(configuration.ttlSeconds == 3600, "a local value applied while a managed source is present")
        }
    }

    @Test("a managed source that sets only the update keys leaves the configuration local")
    func updateKeysOnly() throws {
        let path = locations.directories[0] + "/updates.plist"
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict><key>disableAutoUpdates</key><string>true</string></dict></plist>
            """, to: path, mode: 0o644)
        let configuration = try resolve(files: [path, localJSON("local.json", helper: "/local/helper")])
        #expect(configuration.helperPath == "/local/helper" && configuration.ttlSeconds == 900)
        // Any other key, even one the host does not read, makes the managed source own the configuration.
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict><key>disableAutoUpdates</key><string>true</string>
            <key>inferenceModels</key><string>["claude-sonnet-5"]</string></dict></plist>
            """, to: path, mode: 0o644)
        let error = #expect(throws: ConfigurationError.self) {
            try resolve(files: [path, localJSON("local.json", helper: "/local/helper")], environment: environment)
        }
        #expect(error?.message.contains("a managed source") == true, "\(error?.message ?? "")")
    }

    @Test("with a managed source in charge, a broken local file is warned about, not fatal; a broken managed file is")
    func brokenLocalFile() throws {
        let broken = folder.path("broken.json")
        folder.write("{\"inferenceCredentialHelper\": ", to: broken, mode: 0o600)
        let layers = try ConfigurationLayer.files(at: [broken, managedPlist()], managedLocations: locations)
        let resolved = try HostConfiguration.resolve(layers)
        #expect(resolved.configuration.helperPath == "/managed/helper")
        #expect(resolved.warnings.contains { $0.contains(broken) && $0.contains("ignored") }, "\(resolved.warnings)")
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLayer.files(at: [broken], managedLocations: locations)
        }
        let brokenManaged = locations.directories[0] + "/broken.json"
        folder.write("{\"inferenceCredentialHelper\": ", to: brokenManaged, mode: 0o644)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLayer.files(at: [managedPlist(), brokenManaged], managedLocations: locations)
        }
    }

    @Test("a managed file whose only keys are null does not take the configuration over")
    func nullOnlyManaged() throws {
        let path = locations.directories[0] + "/nulls.json"
        folder.write(#"{"inferenceCredentialHelper": null}"#, to: path, mode: 0o644)
        let configuration = try resolve(files: [path, localJSON("local.json", helper: "/local/helper")])
        #expect(configuration.helperPath == "/local/helper")
    }

    @Test("an environment variable for a key the managed source does not set is ignored, and get says so")
    func environmentIgnoredForUnsetKey() throws {
        var layers = try ConfigurationLayer.files(at: [managedPlist()], managedLocations: locations)
        layers.append(ConfigurationLayer.environment(["INFERENCE_CREDENTIAL_HELPER_TTL_SEC": "120"]))
        let resolved = try HostConfiguration.resolve(layers)
        #expect(resolved.configuration.ttlSeconds == 3600)
        #expect(
            resolved.warnings.contains {
                $0.contains("INFERENCE_CREDENTIAL_HELPER_TTL_SEC in the environment is ignored")
            },
            "\(resolved.warnings)")
    }

    @Test("managed over environment variables")
    func managedOverEnvironment() throws {
        let configuration = try resolve(files: [managedPlist()], environment: environment)
        #expect(configuration.helperPath == "/managed/helper")
        #expect(configuration.authScheme == .xAPIKey)
    }

    @Test("managed over flags")
    func managedOverFlags() throws {
        let configuration = try resolve(files: [managedPlist()], flags: flags)
        #expect(configuration.helperPath == "/managed/helper")
        #expect(configuration.authScheme == .xAPIKey)
    }

    @Test("environment over local file")
    func environmentOverLocal() throws {
        let configuration = try resolve(
            files: [localJSON("local.json", helper: "/local/helper", scheme: "x-api-key")], environment: environment)
        #expect(configuration.helperPath == "/env/helper")
        #expect(configuration.authScheme == .bearer)
        #expect(configuration.ttlSeconds == 900)
    }

    @Test("flags over local file")
    func flagsOverLocal() throws {
        let configuration = try resolve(files: [localJSON("local.json", helper: "/local/helper")], flags: flags)
        #expect(configuration.helperPath == "/flag/helper")
    }

    @Test("flags over environment")
    func flagsOverEnvironment() throws {
        let configuration = try resolve(files: [], environment: environment, flags: flags)
        #expect(configuration.helperPath == "/flag/helper")
    }

    @Test("two local files: the later one wins key by key")
    func localOverLocal() throws {
        let first = localJSON("first.json", helper: "/first/helper", ttl: "100")
        let second = localJSON("second.json", helper: "/second/helper", ttl: "200")
        #expect(try resolve(files: [first, second]).helperPath == "/second/helper")
        #expect(try resolve(files: [second, first]).ttlSeconds == 100)
    }

    @Test("managed wins over all three at once: local file, environment and flags")
    func managedOverAll() throws {
        let configuration = try resolve(
            files: [localJSON("local.json", helper: "/local/helper"), managedPlist()], environment: environment,
            flags: flags)
        #expect(configuration.helperPath == "/managed/helper")
        #expect(configuration.authScheme == .xAPIKey)
    }
}
