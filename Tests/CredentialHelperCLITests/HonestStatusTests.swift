import Foundation
import TestSupport
import Testing

/// `credhelper status` tells the truth after the provider rejected the refresh token, and shows
/// the token's expiry, scopes and audience, the user's name and where the refresh token lives —
/// never a token.
extension ReadyHelperTests {
    private func status(_ harness: ReadyHelperHarness, json: Bool) async throws -> String {
        let result = try await BuiltBinary.run(
            ["status", "--profile", "corp"] + (json ? ["--json"] : []), environment: harness.environment)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test("status: expiry, scopes, audience, name and refresh-token location; a rejected refresh token with when")
    func honestStatus() async throws {
        let harness = try await ReadyHelperHarness()
        let token = try await harness.signIn()
        let json = try await status(harness, json: true)
        let object = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first)
        #expect((object["scopes"] as? [String])?.contains("inference") == true, "\(json)")
        #expect((object["tokenExpiresAt"] as? String)?.hasSuffix("Z") == true, "\(json)")
        #expect(object["subject"] as? String == "Alice Example", "\(json)")
        #expect(object["refreshTokenIn"] as? String == "file", "\(json)")
        #expect(object["refreshRejectedAt"] == nil, "\(json)")
        let text = try await status(harness, json: false)
        #expect(text.contains("scopes: "), "\(text)")
        #expect(text.contains("audience: "), "\(text)")
        let leaked = json.contains(token) || text.contains(token)
        #expect(!leaked, "status printed the access token")

        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let refused = try await harness.helper(context: "background")
        #expect(refused.status == 1)
        let afterJSON = try await status(harness, json: true)
        #expect(afterJSON.contains("\"refreshRejectedAt\""), "\(afterJSON)")
        let after = try await status(harness, json: false)
        #expect(after.contains("rejected by the identity provider at"), "\(after)")
        #expect(after.contains("credhelper login --profile corp"), "\(after)")
        #expect(!after.contains("the next run refreshes"), "\(after)")
    }
}
