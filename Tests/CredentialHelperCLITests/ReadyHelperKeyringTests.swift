import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

/// `"tokenStorage": "keyring"` against a real GNOME Keyring on a private D-Bus session and the real
/// identity provider: where the refresh token lands, the lock protocol, the cached path without the
/// keyring, and sessions with no Secret Service.
extension ReadyHelperTests {
    /// The harness's token file for `corp`, as bytes (to look for secrets in it).
    static func tokenFileText(_ harness: ReadyHelperHarness) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)
        let file = try #require(files.first { $0.hasSuffix(".json") })
        return try String(contentsOfFile: harness.storeDirectory + "/" + file, encoding: .utf8)
    }

    @Test("keyring storage: the refresh token is in the keyring, not the file; 50 helpers still refresh once")
    func keyringStorageKeepsTheRefreshTokenOutOfTheFile() async throws {
        let keyring = try await SecretServiceSession()
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: keyring.environment)
        _ = try await harness.signIn()
        let record = try #require(try harness.record())
        #expect(record.inKeyring == StoredTokens.KeyringShare(refreshToken: true, idToken: true))
        #expect(record.refreshToken == nil && record.idToken == nil)
        let file = try Self.tokenFileText(harness)
        // Bools first, here and below: a failing expectation prints its operands, and these hold tokens.
        let fileHoldsNoSecret = !file.contains("refreshToken\":\"") && !file.contains("idToken\":\"")
        #expect(fileHoldsNoSecret, "the token file holds the refresh or ID token")
        let digest = try #require(
            try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory).first { $0.hasSuffix(".json") }
        ).dropLast(5)
        let item = try #require(try keyring.lookup(account: String(digest)), "the keyring holds no item")
        let itemHoldsBoth = item.contains("\"refreshToken\"") && item.contains("\"idToken\"")
        #expect(itemHoldsBoth, "the keyring item lacks the refresh or ID token")

        try await Self.fiftyHelpersRefreshOnce(harness)
        // The rotated refresh token went to the keyring, not the file.
        let itemChanged = try keyring.lookup(account: String(digest)) != item
        #expect(itemChanged, "the rotated refresh token did not reach the keyring")
        let fileStillClean = !(try Self.tokenFileText(harness)).contains("refreshToken\":\"")
        #expect(fileStillClean, "the rotated refresh token went to the token file")

        let status = try await BuiltBinary.run(
            ["status", "--profile", "corp", "--json"], environment: harness.environment)
        #expect(status.stdout.contains("\"refreshTokenIn\" : \"keyring\""), "\(status.stdout)")
        let logout = try await BuiltBinary.run(["logout", "--profile", "corp"], environment: harness.environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(try keyring.lookup(account: String(digest)) == nil, "logout left the keyring item")
    }

    @Test("keyring storage: a cached token is answered with no keyring at all; a refresh then names the fix")
    func cachedPathNeverTouchesTheKeyring() async throws {
        let keyring = try await SecretServiceSession()
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: keyring.environment)
        let token = try await harness.signIn()
        let noBus = ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"]
        let cached = try await harness.get(context: "background", extraEnvironment: noBus)
        #expect(cached.status == 0, "\(cached.stderr)")
        let sameToken = ReadyHelperHarness.token(from: cached) == token
        #expect(sameToken, "the cached answer is not the signed-in token")

        try harness.expireStoredToken()
        let refresh = try await harness.helper(context: "background", extraEnvironment: noBus)
        #expect(refresh.status == 1)
        #expect(refresh.stdout.isEmpty)
        #expect(
            refresh.stderr.hasPrefix(
                "token store unreadable: profile \"corp\" keeps its refresh token in the "
                    + "Secret Service (secret-tool), which cannot be read: no Secret Service answers"),
            "\(refresh.stderr)")
        // Nothing was lost: with the keyring back, the same stored refresh token works.
        let again = try await harness.get(context: "background")
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("keyring storage with no Secret Service fails sign-in naming the fix; keyring-or-file falls back")
    func noSecretService() async throws {
        let noBus = ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"]
        let strict = try await ReadyHelperHarness(tokenStorage: "keyring", environment: noBus)
        let refused = try await strict.get(context: "interactive")
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("no Secret Service answers")
                && refused.stderr.contains("\"tokenStorage\": \"keyring-or-file\""), "\(refused.stderr)")

        let lenient = try await ReadyHelperHarness(tokenStorage: "keyring-or-file", environment: noBus)
        _ = try await lenient.signIn()
        let record = try #require(try lenient.record())
        #expect(record.inKeyring == nil && record.refreshToken != nil)
        try lenient.expireStoredToken()
        let refreshed = try await lenient.helper(context: "background")
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(refreshed.stderr.contains("keeping the refresh token of profile \"corp\" in the 0600 token file"))
    }

    /// The keyring answers the read before a refresh but refuses the write after it (a collection
    /// locked in between): the provider has rotated the old refresh token away, so failing would
    /// leave the user with nothing. The host gets the new access token; a sign-in is due at its expiry.
    @Test("a keyring that refuses the rotated refresh token: the host still gets the new access token")
    func keyringRefusesTheRotatedRefreshToken() async throws {
        let keyring = try await SecretServiceSession()
        let tools = HelperScripts()
        let bin = tools.subdirectory("bin", mode: 0o700)
        tools.write(
            """
            #!/bin/sh
            if [ "$1" = store ]; then echo "secret-tool: Cannot create an item in a locked collection" >&2; exit 1; fi
            exec /usr/bin/secret-tool "$@"
            """, to: bin + "/secret-tool", mode: 0o700)
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: keyring.environment)
        let first = try await harness.signIn()
        try harness.expireStoredToken()
        let refresh = try await harness.helper(
            context: "background", extraEnvironment: ["PATH": bin + ":/usr/bin:/bin"])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        let token = refresh.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let newToken = !token.isEmpty && token != first
        #expect(newToken, "the refresh printed no new access token")
        #expect(
            refresh.stderr.contains("could not be stored, so this access token is the last one")
                && refresh.stderr.contains("credhelper login --profile corp"), "\(refresh.stderr)")
        let record = try #require(try harness.record())
        #expect(!record.hasRefreshToken && record.inKeyring == nil)
        let noRefreshTokenInFile = !(try Self.tokenFileText(harness)).contains("refreshToken\":\"")
        #expect(noRefreshTokenInFile, "the refused refresh token went to the token file")
        try harness.expireStoredToken()
        let next = try await harness.helper(context: "background")
        #expect(next.stderr.hasPrefix("sign-in required:"), "\(next.stderr)")
    }

    /// Groups-heavy ID tokens of 20 KB and more are common in large Entra tenants; secret-tool
    /// stores at most 8191 bytes. The refresh token goes to the keyring alone, the ID token stays in
    /// the 0600 file like the access token, and nothing crashes.
    @Test("keyring storage with a 24 KB ID token: a refresh keeps the rotated refresh token in the keyring")
    func largeIDTokenWithKeyringStorage() async throws {
        let keyring = try await SecretServiceSession()
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: keyring.environment)
        _ = try await harness.signIn()
        // glewlwyd issues no ID token on refresh, so the record keeps (and stores again) this one.
        let large = Secret("eyJhbGciOiJSUzI1NiJ9." + String(repeating: "Z3JvdXBz", count: 3 * 1024) + ".c2ln")
        let files = try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)
        let key = TokenStoreKey(digestOf: String(try #require(files.first { $0.hasSuffix(".json") }).dropLast(5)))
        let signedIn = try #require(try keyring.lookup(account: key.digest))
        var record = try #require(try harness.store.read(key))
        record.idToken = large
        record.inKeyring = StoredTokens.KeyringShare(refreshToken: true, idToken: false)
        try harness.store.write(record, for: key)
        try harness.expireStoredToken()

        let refresh = try await harness.helper(context: "background")
        #expect(refresh.status == 0, "\(refresh.stderr)")
        let after = try #require(try harness.store.read(key))
        #expect(after.inKeyring == StoredTokens.KeyringShare(refreshToken: true, idToken: false))
        let keptLarge = after.idToken == large
        #expect(keptLarge, "the 24 KB ID token is not in the token file")
        let item = try #require(try keyring.lookup(account: key.digest))
        let secrets = try #require(try JSONSerialization.jsonObject(with: Data(item.utf8)) as? [String: String])
        let rotated = secrets["refreshToken"] != nil && !signedIn.contains(secrets["refreshToken"] ?? "")
        #expect(rotated, "the rotated refresh token is not in the keyring")
        #expect(secrets["idToken"] == nil)
        // The next refresh reads the rotated refresh token back from the keyring and works.
        try harness.expireStoredToken()
        let next = try await harness.helper(context: "background")
        #expect(next.status == 0, "\(next.stderr)")
    }
}
