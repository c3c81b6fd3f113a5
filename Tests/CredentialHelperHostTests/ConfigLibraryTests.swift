import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The desktop app's local configuration library (`configLibrary/`: `_meta.json` naming the applied
/// configuration, one `<id>.json` per configuration), as the app writes it, and as an attacker or a
/// broken app might.
@Suite("Configuration from the app's configLibrary folder")
struct ConfigLibraryTests {
    let folder = HelperScripts()
    static let id = "3f0c7b9e-5a1d-4c2e-9b7a-0d1e2f3a4b5c"

    /// A configLibrary folder with `meta` as `_meta.json` and `configuration` as the applied file.
    func library(meta: String, configuration: String? = nil, name: String = "configLibrary") -> String {
        let path = folder.subdirectory(name, mode: 0o700)
        folder.write(meta, to: path + "/_meta.json", mode: 0o600)
        if let configuration { folder.write(configuration, to: path + "/\(Self.id).json", mode: 0o600) }
        return path
    }

    static let applied = """
        {"appliedId": "\(id)", "entries": [{"id": "0b1c", "name": "Old"}, {"id": "\(id)", "name": "Corp gateway"}]}
        """
    static let configuration = """
        {"inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "https://gateway.example.com",
         "inferenceGatewayApiKey": "sk-ant-secret-value-1234567890", "inferenceGatewayAuthScheme": "x-api-key",
         "inferenceCredentialHelper": "/usr/local/bin/corp-helper", "inferenceCredentialHelperTtlSec": 900}
        """

    @Test("the applied configuration's keys are read; the app's other keys (its API key too) are ignored")
    func appliedConfiguration() throws {
        let path = library(meta: Self.applied, configuration: Self.configuration)
        let layer = try ConfigurationLayer.file(at: path)
        let resolved = try HostConfiguration.resolve([layer])
        #expect(resolved.configuration.helperPath == "/usr/local/bin/corp-helper")
        #expect(resolved.configuration.ttlSeconds == 900)
        #expect(resolved.configuration.authScheme == .xAPIKey)
        #expect(!layer.managed)
        #expect(layer.source.contains(Self.id) && layer.source.contains("Corp gateway"), "\(layer.source)")
        #expect(!"\(layer)".contains("sk-ant-secret"), "the app's API key was kept")
    }

    @Test("no applied configuration (appliedId null or absent) is an error that says how to apply one")
    func nothingApplied() throws {
        for meta in [#"{"appliedId": null, "entries": []}"#, #"{"entries": []}"#, #"{"appliedId": ""}"#] {
            let path = library(meta: meta, name: "lib\(meta.count)")
            let error = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: path) }
            #expect(error?.description.contains("no configuration is applied") == true, "\(error?.description ?? "")")
            #expect(error?.description.contains("apply one in the app") == true)
        }
    }

    @Test("an appliedId that is a path cannot make the host read a file outside the folder")
    func appliedIdIsAPath() throws {
        let outside = folder.path("outside.json")
        folder.write(#"{"inferenceCredentialHelper": "/tmp/evil"}"#, to: outside, mode: 0o600)
        for id in ["../outside", "/etc/passwd", ".hidden", "a/b", "x\\u001b[2J"] {  // JSON text: the last is an ESC
            let meta = #"{"appliedId": "\#(id)"}"#
            let path = library(meta: meta, name: "lib\(id.unicodeScalars.map(\.value).reduce(0, +))")
            let error = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: path) }
            #expect(error?.description.contains("is not a configuration id") == true, "\(error?.description ?? "")")
            #expect(error?.description.contains("\u{1B}") == false)
        }
    }

    @Test("a missing or broken applied file names the configuration; a folder without _meta.json names the fix")
    func brokenLibrary() throws {
        let missing = library(meta: Self.applied, name: "missing")
        let missingError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: missing) }
        #expect(missingError?.description.contains("\(Self.id) \"Corp gateway\"") == true)
        #expect(missingError?.description.contains("file is missing") == true)

        let broken = library(meta: Self.applied, configuration: "{not json", name: "broken")
        let brokenError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: broken) }
        #expect(brokenError?.description.contains("is not valid") == true, "\(brokenError?.description ?? "")")

        let empty = folder.subdirectory("empty", mode: 0o700)
        let emptyError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: empty) }
        #expect(emptyError?.description.contains("configLibrary folder") == true)

        let notJSON = library(meta: "[1]", name: "array")
        let notJSONError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: notJSON) }
        #expect(notJSONError?.description.contains("expected a JSON object") == true)
    }

    /// Another local user who can write a config file, or a directory above it, could point the
    /// host at their gateway (the credential goes there) or their helper: such a file is refused.
    @Test("a config file, folder or library file others could have written is refused, naming the fix")
    func untrustedConfigurationRefused() throws {
        let shared = folder.subdirectory("shared", mode: 0o777)
        let inShared = shared + "/config.json"
        folder.write(Self.configuration, to: inShared, mode: 0o600)
        let sharedError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: inShared) }
        #expect(sharedError?.message.contains("the config file \(inShared) is not trusted") == true)
        #expect(sharedError?.message.contains("chmod") == true, "\(sharedError?.message ?? "")")

        let widened = folder.path("widened.json")
        folder.write(Self.configuration, to: widened, mode: 0o666)
        chmod(widened, 0o666)
        #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: widened) }

        let path = library(meta: Self.applied, configuration: Self.configuration, name: "widened-library")
        chmod(path + "/\(Self.id).json", 0o646)
        let libraryError = #expect(throws: ConfigurationError.self) { try ConfigurationLayer.file(at: path) }
        #expect(libraryError?.message.contains("the configuration library file") == true)

        chmod(widened, 0o600)
        #expect(throws: Never.self) { try ConfigurationLayer.file(at: widened) }
    }

    @Test("a file in a managed location wins over the local library entirely, whichever is given first")
    func managedWins() throws {
        let local = library(meta: Self.applied, configuration: Self.configuration)
        let locations = ManagedLocations(directories: [folder.subdirectory("Managed Preferences", mode: 0o755)])
        let managed = locations.directories[0] + "/com.anthropic.claudefordesktop.plist"
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
            <key>inferenceCredentialHelper</key><string>/opt/managed/helper</string>
            </dict></plist>
            """, to: managed, mode: 0o644)
        for paths in [[local, managed], [managed, local]] {
            let layers = try ConfigurationLayer.files(at: paths, managedLocations: locations)
            let configuration = try HostConfiguration.resolve(layers).configuration
            #expect(configuration.helperPath == "/opt/managed/helper", "\(paths)")
            #expect(configuration.ttlSeconds == 3600, "a local value applied while a managed source is present")
        }
    }
}
