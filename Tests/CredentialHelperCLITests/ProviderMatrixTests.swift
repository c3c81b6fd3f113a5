import Foundation
import TestSupport
import Testing
import TokenStore

/// How an identity provider behaves where providers differ: one row of ``ReadyHelperTests``'
/// provider matrix.
struct ProviderRow: Sendable, CustomStringConvertible {
    let kind: IdentityProvider.Kind
    /// Whether it revokes a public client's refresh token at `logout` (glewlwyd answers 401).
    let revokesPublicClients: Bool
    /// Whether a refresh returns a new refresh token (rotation) or leaves the old one valid.
    let rotates: Bool
    var description: String { kind.rawValue }

    /// Every provider the tests can start; a third is one more row.
    static let all = [
        ProviderRow(kind: .glewlwyd, revokesPublicClients: false, rotates: true),
        ProviderRow(kind: .djangoOAuthToolkit, revokesPublicClients: true, rotates: true),
        ProviderRow(kind: .djangoOAuthToolkitWithoutRotation, revokesPublicClients: true, rotates: false),
    ]
}

/// What the ready-made helper does, run against every real identity provider the tests can start:
/// one row per provider. The rows differ only in what the providers differ in (see each fixture's
/// header): a fixed or any loopback redirect port, a device endpoint missing from the metadata,
/// revocation for public clients, rotation. Part of the serialized `ReadyHelperTests` suite: its
/// glewlwyd row signs in on the same fixed redirect port as the rest of that suite.
extension ReadyHelperTests {
    @Test(
        "browser sign-in, the cached token in silent contexts, a refresh that rotates or keeps",
        arguments: ProviderRow.all)
    func browserSignInAndRefresh(row: ProviderRow) async throws {
        let harness = try await ReadyHelperHarness(provider: row.kind)
        let first = try await harness.signIn()
        let cached = try await harness.get(context: "background")
        // Bools first, here and below: a failing expectation prints its operands, and these are tokens.
        let cachedIsFirst = ReadyHelperHarness.token(from: cached) == first
        #expect(cachedIsFirst, "the cached answer is not the signed-in token: \(cached.stderr)")
        let before = try #require(try harness.record())
        let refreshes = try await harness.idp.grantCounts()["refresh_token", default: 0]

        try harness.expireStoredToken()
        let refreshed = try await harness.get(context: "background")
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let second = try #require(ReadyHelperHarness.token(from: refreshed))
        let renewed = second != first
        #expect(renewed, "the refresh printed the expired token again")
        let after = try #require(try harness.record())
        if row.rotates {
            let rotated = after.refreshToken != nil && after.refreshToken != before.refreshToken
            #expect(rotated, "the rotated refresh token was not stored")
        } else {
            // A grant without a refresh token keeps the stored one (it stays valid).
            let kept = after.refreshToken != nil && after.refreshToken == before.refreshToken
            #expect(kept, "the refresh token was lost when the provider did not rotate it")
        }
        #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == refreshes + 1)
        // The stored refresh token (rotated or kept) works in turn.
        try harness.expireStoredToken()
        let again = try await harness.get(context: "scheduled-task")
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("device sign-in with credhelper login --device", arguments: ProviderRow.all)
    func deviceSignIn(row: ProviderRow) async throws {
        let harness = try await ReadyHelperHarness(provider: row.kind)
        let client = harness.idp.info.deviceClient ?? harness.idp.info.publicClient
        let before = try await harness.idp.grantCounts(client: client)["device_code", default: 0]
        let login = try await BuiltBinary.run(
            ["login", "--profile", "device", "--device", "--timeout", "60"], environment: harness.environment)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stderr.contains("enter the code"))
        #expect(try await harness.idp.grantCounts(client: client)["device_code", default: 0] == before + 1)
        let answer = try await harness.get("device", context: "background")
        #expect(ReadyHelperHarness.token(from: answer) != nil, "\(answer.stderr)")
    }

    @Test("client credentials for an unattended profile", arguments: ProviderRow.all)
    func clientCredentials(row: ProviderRow) async throws {
        let harness = try await ReadyHelperHarness(provider: row.kind)
        let client = harness.idp.info.serviceClient
        let before = try await harness.idp.grantCounts(client: client)["client_credentials", default: 0]
        let first = try await harness.get("svc", context: "background")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"X-Org\""))
        let second = try await harness.get("svc", context: "background")
        let reused = ReadyHelperHarness.token(from: second) == ReadyHelperHarness.token(from: first)
        #expect(reused, "the second answer did not reuse the stored token")
        #expect(try await harness.idp.grantCounts(client: client)["client_credentials", default: 0] == before + 1)
    }

    @Test(
        "sessions revoked at the provider: the silent path says so, with the command that fixes it",
        arguments: ProviderRow.all)
    func revokedSession(row: ProviderRow) async throws {
        let harness = try await ReadyHelperHarness(provider: row.kind)
        _ = try await harness.signIn()
        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let result = try await harness.helper(context: "background")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.hasPrefix("refresh rejected by the identity provider")
                && result.stderr.contains("credhelper login --profile corp"), "\(result.stderr)")
    }

    @Test(
        "logout revokes the refresh token where the provider allows it, and says so where it does not",
        arguments: ProviderRow.all)
    func logout(row: ProviderRow) async throws {
        let harness = try await ReadyHelperHarness(provider: row.kind)
        _ = try await harness.signIn()
        var signedIn = try #require(try harness.record())
        let logout = try await BuiltBinary.run(
            ["logout", "--profile", "corp", "--require-revocation"], environment: harness.environment)
        #expect(try harness.record() == nil, "the tokens were not removed")
        if row.revokesPublicClients {
            #expect(logout.status == 0, "\(logout.stderr)")
            #expect(logout.stderr == "Signed out of profile corp.\n")
        } else {
            #expect(logout.status == 1)
            #expect(logout.stderr.contains("it stays valid until it expires"), "\(logout.stderr)")
        }
        // Whether the provider really revoked it: put the old refresh token back and refresh.
        let info = harness.idp.info
        signedIn.expiresAt = Date().timeIntervalSince1970 - 10
        try harness.store.write(
            signedIn,
            for: TokenStoreKey(issuer: info.issuer, clientID: info.publicClient, scopes: info.scopes, audience: nil))
        let reused = try await harness.helper(context: "background")
        if row.revokesPublicClients {
            #expect(reused.stderr.hasPrefix("refresh rejected by the identity provider"), "\(reused.stderr)")
        } else {
            #expect(reused.status == 0, "\(reused.stderr)")
        }
    }
}
