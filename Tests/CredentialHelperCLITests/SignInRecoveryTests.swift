import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

/// A revoked or expired session at app start (docs/helper.md, "When the session ends"): the
/// `interactive` run signs the user in again; silent runs fail fast, open nothing, and do not ask the
/// provider again about a refresh token it already rejected. Part of the serialized suite, since
/// revoking sessions at the provider affects every test signed in to it.
extension ReadyHelperTests {
    @Test("a revoked session: silent contexts fail fast and open nothing; interactive signs in again")
    func revokedSessionRecovers() async throws {
        let harness = try await ReadyHelperHarness()
        let old = try await harness.signIn()
        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let marker = harness.folder.path("browser-opened")
        let browser = harness.folder.script("browser.sh", "touch '\(marker)'")
        for context in ["background", "scheduled-task", "setup-test", "mid-session-refresh"] {
            let started = ContinuousClock.now
            let result = try await harness.get(context: context, extraEnvironment: ["CREDHELPER_BROWSER": browser])
            #expect(result.status == 3, "\(context): \(result.stderr)")
            #expect(result.stderr.contains("refresh rejected by the identity provider:"), "\(result.stderr)")
            #expect(result.stderr.contains("credhelper login --profile corp"), "\(result.stderr)")
            #expect(ContinuousClock.now - started < .seconds(5), "\(context) did not fail fast")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "a silent context opened the browser")
        // The dead refresh token is marked; later silent runs say so without asking the provider.
        let marked = try #require(try harness.record())
        #expect(marked.refreshRejectedAt != nil, "the rejected refresh token was not marked")
        let again = try await harness.helper(context: "background")
        #expect(again.status == 1 && again.stderr.contains("is not sent again"), "\(again.stderr)")
        // The user starts the app: the interactive run signs in (the fixture is the browser).
        let codesBefore = try await harness.idp.grantCounts()["code", default: 0]
        let interactive = try await harness.get(context: "interactive")
        #expect(interactive.status == 0, "\(interactive.stderr)")
        let token = try #require(ReadyHelperHarness.token(from: interactive))
        let fresh = token != old
        #expect(fresh, "interactive printed the old token")
        #expect(try await harness.idp.grantCounts()["code", default: 0] == codesBefore + 1)
        let record = try #require(try harness.record())
        #expect(record.refreshRejectedAt == nil, "the mark survived the new sign-in")
        #expect(record.refreshToken != nil && record.refreshToken != marked.refreshToken)
        let silent = try await harness.get(context: "background")
        let reused = ReadyHelperHarness.token(from: silent) == token
        #expect(silent.status == 0 && reused, "\(silent.stderr)")
    }

    @Test("a refresh token marked as rejected is never sent: a provider that hangs is not even contacted")
    func rejectedRefreshTokenNotResent() async throws {
        let port = try await IdentityProvider.startBlackHole()
        let issuer = "http://127.0.0.1:\(port)/api/oidc"
        let harness = try await ReadyHelperHarness(extra: [
            "hang": ["issuer": issuer, "clientId": "hang-client", "silentDeadlineSec": 5]
        ])
        let key = TokenStoreKey(issuer: issuer, clientID: "hang-client", scopes: ["openid"], audience: nil)
        let now = Date().timeIntervalSince1970
        var record = StoredTokens(
            accessToken: Secret("expired-token-0123456"), refreshToken: Secret("dead-refresh-token-0123"),
            obtainedAt: now - 4000, expiresAt: now - 5)
        record.refreshRejectedAt = now - 60
        try harness.store.write(record, for: key)
        let started = ContinuousClock.now
        let result = try await harness.get("hang", context: "background")
        #expect(result.status == 3)
        #expect(result.stderr.contains("refresh rejected by the identity provider:"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(3), "the helper waited for the provider")
    }
}
