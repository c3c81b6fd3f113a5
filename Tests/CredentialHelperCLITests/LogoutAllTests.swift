import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// `credhelper logout --all` against the real identity provider and a real GNOME Keyring: what a
/// user's account holds afterwards (docs/deploy.md, "Uninstall").
extension ReadyHelperTests {
    @Test("logout --all removes every token file, the keyring items, the host cache and orphaned token files")
    func logoutAllLeavesNothing() async throws {
        let keyring = try await SecretServiceSession()
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: keyring.environment)
        _ = try await harness.signIn()
        // The host cache: credhelper get without --no-cache stores the answer there.
        let cached = try await BuiltBinary.run(
            ["get", "--helper", harness.link("corp"), "--context", "background", "--json"],
            environment: harness.environment)
        #expect(cached.status == 0, "\(cached.stderr)")
        let cacheDirectory = harness.environment["CREDHELPER_CACHE_DIR"] ?? ""
        let cacheFiles = (try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []
        #expect(!cacheFiles.isEmpty, "credhelper get left nothing in the host cache to remove")
        let digest = try #require(
            try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory).first { $0.hasSuffix(".json") }
        ).dropLast(5)
        #expect(try keyring.lookup(account: String(digest)) != nil, "sign-in put nothing in the keyring")
        // A token file and keyring item left by a profile since removed from the profiles file.
        let orphan = String(repeating: "ab", count: 32)
        FileManager.default.createFile(
            atPath: harness.storeDirectory + "/\(orphan).json", contents: Data(#"{"inKeyring": {}}"#.utf8),
            attributes: [.posixPermissions: 0o600])
        try keyring.store(account: orphan, secret: "orphaned-refresh-token")

        let logout = try await BuiltBinary.run(["logout", "--all"], environment: harness.environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(logout.stderr.contains("Signed out of corp. Removed 1 more token file(s)"), "\(logout.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)) ?? []
        #expect(left.isEmpty, "the token store still holds \(left)")
        #expect(try keyring.lookup(account: String(digest)) == nil, "logout --all left the profile's keyring item")
        #expect(try keyring.lookup(account: orphan) == nil, "logout --all left the orphaned keyring item")
        let cacheLeft = (try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []
        #expect(cacheLeft.isEmpty, "the host cache still holds \(cacheLeft)")
        #expect(
            FileManager.default.fileExists(atPath: harness.environment["CREDHELPER_PROFILES"] ?? ""),
            "logout --all removed the profiles file, which is configuration")
        // Signed out: a silent context cannot answer now.
        let after = try await harness.helper(context: "background")
        #expect(after.status != 0 && after.stdout.isEmpty, "a token was still answered after logout --all")
    }

    @Test("logout --all with --profile is a usage error, and removes nothing")
    func logoutAllRefusesAProfile() async throws {
        let folder = HelperScripts()
        let state = folder.subdirectory("state", mode: 0o700)
        folder.write("{}", to: state + "/0123.json", mode: 0o600)
        let result = try await BuiltBinary.run(
            ["logout", "--all", "--profile", "corp"],
            environment: ["CREDHELPER_STATE_DIR": state, "HOME": folder.directory])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("leave out --profile"), "\(result.stderr)")
        #expect(
            FileManager.default.fileExists(atPath: state + "/0123.json"), "logout --all --profile removed a token file")
    }
}
