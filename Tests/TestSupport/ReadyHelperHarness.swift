import Foundation
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// One test's installation of the ready-made helper: a profiles file, a `credhelper-NAME` link to
/// the built binary, and a private token store, all in a temp folder, signing in through the real
/// identity provider.
public final class ReadyHelperHarness: Sendable {
    public let idp: IdentityProvider
    public let folder: HelperScripts
    public let profiles: [String: [String: any Sendable]]
    /// Added to every command's environment (a test keyring's bus address).
    public let extraEnvironment: [String: String]

    /// Profiles: `corp` (browser sign-in, public client), `device` (device grant), `svc` (client
    /// credentials with a header); `extra` adds or replaces profiles. `tokenStorage` is set on `corp`
    /// and `device`; `environment` is added to every command's.
    public init(
        hostTTL: Int = 600, extra: [String: [String: any Sendable]] = [:], tokenStorage: String? = nil,
        environment: [String: String] = [:], provider: IdentityProvider.Kind = .glewlwyd
    ) async throws {
        extraEnvironment = environment
        idp = try await IdentityProvider.shared(provider)
        folder = HelperScripts()
        let info = idp.info
        var profiles: [String: [String: any Sendable]] = [
            "corp": [
                "issuer": info.issuer, "clientId": info.publicClient, "scopes": info.scopes,
                "redirectPort": info.redirectPort, "hostTtlSec": hostTTL, "skewSec": 30,
            ],
            "device": [
                "issuer": info.issuer, "clientId": info.deviceClient ?? info.publicClient, "scopes": info.scopes,
                "grant": "device", "hostTtlSec": hostTTL,
            ],
            "svc": [
                "issuer": info.issuer, "clientId": info.serviceClient, "scopes": ["inference"],
                "grant": "client-credentials", "clientSecretFile": info.clientSecretFile, "headers": ["X-Org": "acme"],
                "hostTtlSec": hostTTL,
            ],
        ]
        if let endpoint = info.deviceAuthorizationEndpoint {
            profiles["device"]?["deviceAuthorizationEndpoint"] = endpoint
        }
        if let tokenStorage {
            profiles["corp"]?["tokenStorage"] = tokenStorage
            profiles["device"]?["tokenStorage"] = tokenStorage
        }
        profiles.merge(extra) { $1 }
        self.profiles = profiles
        let data = try JSONSerialization.data(
            withJSONObject: [
                "defaultProfile": "corp", "profiles": profiles.mapValues { $0 as [String: Any] },
            ] as [String: Any])
        FileManager.default.createFile(atPath: folder.path("profiles.json"), contents: data)
        for name in profiles.keys {
            try FileManager.default.createSymbolicLink(atPath: link(name), withDestinationPath: BuiltBinary.path)
        }
    }

    /// The helper path a host is configured with for `profile`.
    public func link(_ profile: String) -> String { folder.path("credhelper-\(profile)") }

    public var storeDirectory: String { folder.path("state") }

    /// The environment of every command: the profiles file, the store, and the fixture as browser.
    public var environment: [String: String] {
        var environment = idp.browserEnvironment
        environment["CREDHELPER_PROFILES"] = folder.path("profiles.json")
        environment["CREDHELPER_STATE_DIR"] = storeDirectory
        environment["CREDHELPER_CACHE_DIR"] = folder.path("host-cache")
        environment["HOME"] = folder.directory
        return environment.merging(extraEnvironment) { $1 }
    }

    /// `credhelper get --helper credhelper-PROFILE --context CONTEXT --no-cache --json --show-secrets`.
    public func get(_ profile: String = "corp", context: String, extraEnvironment: [String: String] = [:]) async throws
        -> BuiltBinary.Result
    {
        try await BuiltBinary.run(
            ["get", "--helper", link(profile), "--context", context, "--no-cache", "--json", "--show-secrets"],
            environment: environment.merging(extraEnvironment) { $1 })
    }

    /// The helper itself, run as a host runs it (no arguments, `CLAUDE_HELPER_CONTEXT` set): for
    /// checking its own stdout and stderr lines, before any host redaction.
    public func helper(_ profile: String = "corp", context: String, extraEnvironment: [String: String] = [:])
        async throws -> BuiltBinary.Result
    {
        var environment = environment.merging(extraEnvironment) { $1 }
        environment["CLAUDE_HELPER_CONTEXT"] = context
        environment["CREDHELPER_PROFILE"] = profile
        return try await BuiltBinary.run([], environment: environment)
    }

    /// The bearer token `get` printed.
    public static func token(from result: BuiltBinary.Result) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let headers = object["headers"] as? [String: String], let authorization = headers["Authorization"]
        else { return nil }
        return authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : nil
    }

    /// Signs `corp` in through the browser flow (in the interactive context) and returns the token.
    public func signIn() async throws -> String {
        let result = try await get(context: "interactive")
        #expect(result.status == 0, "sign-in failed: \(result.stderr)")
        return try #require(Self.token(from: result))
    }
}
