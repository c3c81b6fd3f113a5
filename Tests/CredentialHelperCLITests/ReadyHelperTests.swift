import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The ready-made helper end to end: the built `credhelper`, run by `credhelper get` as a host
/// runs it, signing in to a real glewlwyd through its real endpoints.
@Suite("Ready-made helper against a real identity provider", .serialized, .timeLimit(.minutes(3)))
struct ReadyHelperTests {
    @Test("first sign-in in the interactive context, the cached token in silent contexts, a new one after a rejection")
    func firstSignInThenCache() async throws {
        let harness = try await ReadyHelperHarness()
        let before = try await harness.idp.grantCounts()
        let token = try await harness.signIn()
        #expect(try await harness.idp.grantCounts()["code", default: 0] == before["code", default: 0] + 1)
        let afterSignIn = try await harness.idp.grantCounts()
        for context in ["background", "scheduled-task", "setup-test"] {
            let result = try await harness.get(context: context)
            #expect(result.status == 0, "\(context): \(result.stderr)")
            // Booleans, not the tokens, go into expectations: a failure must not print a real token.
            let reused = ReadyHelperHarness.token(from: result) == token
            #expect(reused, "\(context) did not reuse the stored token")
        }
        #expect(try await harness.idp.grantCounts() == afterSignIn, "a cached token caused a request to the provider")
        // mid-session-refresh means the host's token was rejected: the helper must not hand it back.
        let rejected = try await harness.get(context: "mid-session-refresh")
        #expect(rejected.status == 0, "\(rejected.stderr)")
        let replaced = ReadyHelperHarness.token(from: rejected) != token
        #expect(replaced, "mid-session-refresh handed back the stored token")
        #expect(
            try await harness.idp.grantCounts()["refresh_token", default: 0] == afterSignIn["refresh_token", default: 0]
                + 1)
        let record = try #require(try harness.record())
        #expect(record.refreshToken != nil)
        #expect(record.displayName == "Alice Example")
        let mode = try FileManager.default.attributesOfItem(atPath: harness.storeDirectory)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test("without a sign-in, silent contexts fail fast with the sign-in line and open no browser")
    func silentContextsNeverInteract() async throws {
        let harness = try await ReadyHelperHarness()
        let marker = harness.folder.path("browser-opened")
        let browser = harness.folder.script("browser.sh", "touch '\(marker)'")
        for context in ["background", "scheduled-task", "mid-session-refresh", "setup-test"] {
            let started = ContinuousClock.now
            let result = try await harness.get(context: context, extraEnvironment: ["CREDHELPER_BROWSER": browser])
            #expect(result.status == 3, "\(context): \(result.stdout) \(result.stderr)")
            #expect(
                result.stderr.contains("sign-in required: run \"credhelper login --profile corp\""), "\(result.stderr)")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "a silent context opened the browser")
        let direct = try await harness.helper(context: "background")
        #expect(direct.status == 1 && direct.stdout.isEmpty)
        #expect(direct.stderr.hasPrefix("sign-in required: run \"credhelper login --profile corp\""))
        #expect(direct.stderr.split(separator: "\n").count == 1, "expected one line: \(direct.stderr)")
    }

    @Test("an expired token is refreshed silently, and the rotated refresh token is stored")
    func silentRefreshWithRotation() async throws {
        let harness = try await ReadyHelperHarness()
        let first = try await harness.signIn()
        let firstRefresh = try #require(try harness.record()?.refreshToken)
        try harness.expireStoredToken()
        let before = try await harness.idp.grantCounts()["refresh_token", default: 0]
        let result = try await harness.get(context: "mid-session-refresh")
        #expect(result.status == 0, "\(result.stderr)")
        let second = try #require(ReadyHelperHarness.token(from: result))
        let changed = second != first
        #expect(changed, "the refresh printed the old token")
        #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == before + 1)
        let record = try #require(try harness.record())
        let stored = record.accessToken.reveal() == second
        #expect(stored, "the store does not hold the printed token")
        #expect(
            record.refreshToken != nil && record.refreshToken != firstRefresh,
            "the rotated refresh token was not stored")
        // The stored (rotated) refresh token works: one more silent refresh succeeds.
        try harness.expireStoredToken()
        let third = try await harness.get(context: "background")
        #expect(third.status == 0, "\(third.stderr)")
        let refreshedAgain = ReadyHelperHarness.token(from: third) != second
        #expect(refreshedAgain, "the second refresh printed the same token")
    }

    @Test("a revoked refresh token is reported as rejected, with the command that fixes it")
    func revokedRefreshToken() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let storedBefore = try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)
        let result = try await harness.get(context: "background")
        #expect(result.status == 3)
        #expect(result.stderr.contains("refresh rejected by the identity provider:"), "\(result.stderr)")
        #expect(result.stderr.contains("credhelper login --profile corp"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory) == storedBefore)
    }

    @Test("a provider that is down fails fast and clearly")
    func providerDown() async throws {
        let closedPort = try Self.closedPort()
        let harness = try await ReadyHelperHarness(extra: [
            "down": [
                "issuer": "http://127.0.0.1:\(closedPort)/api/oidc", "clientId": "x", "grant": "client-credentials",
                "clientSecretEnv": "DOWN_SECRET",
            ]
        ])
        let started = ContinuousClock.now
        let result = try await harness.get(
            "down", context: "background", extraEnvironment: ["DOWN_SECRET": "s3cret-value"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("identity provider unreachable:"), "\(result.stderr)")
        #expect(result.stderr.contains("connection refused"), "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret-value"))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a provider that hangs: the silent deadline is honoured, and a still-valid token is used")
    func providerSlow() async throws {
        let port = try await IdentityProvider.startBlackHole()
        let issuer = "http://127.0.0.1:\(port)/api/oidc"
        let harness = try await ReadyHelperHarness(extra: [
            "slow": ["issuer": issuer, "clientId": "slow-client", "silentDeadlineSec": 2, "hostTtlSec": 3600]
        ])
        let key = TokenStoreKey(issuer: issuer, clientID: "slow-client", scopes: ["openid"], audience: nil)
        let now = Date().timeIntervalSince1970
        // Valid for 10 more minutes: not enough for the host TTL, so the helper tries to refresh first.
        try harness.store.write(
            StoredTokens(
                accessToken: Secret("still-valid-token-0123"), refreshToken: Secret("refresh-token-0123456"),
                obtainedAt: now - 3000, expiresAt: now + 600), for: key)
        var started = ContinuousClock.now
        let fallback = try await harness.get("slow", context: "mid-session-refresh")
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(ReadyHelperHarness.token(from: fallback) == "still-valid-token-0123")
        #expect(ContinuousClock.now - started < .seconds(6))
        // Expired: nothing valid to fall back on, so it fails — within the deadline, not the host's timeout.
        try harness.store.write(
            StoredTokens(
                accessToken: Secret("expired-token-0123456"), refreshToken: Secret("refresh-token-0123456"),
                obtainedAt: now - 4000, expiresAt: now - 5), for: key)
        started = ContinuousClock.now
        let failed = try await harness.get("slow", context: "mid-session-refresh")
        #expect(failed.status == 3)
        #expect(failed.stderr.contains("identity provider unreachable:"), "\(failed.stderr)")
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test("device authorization through credhelper login --device, then status shows no secret")
    func deviceLoginAndStatus() async throws {
        let harness = try await ReadyHelperHarness()
        let login = try await BuiltBinary.run(
            ["login", "--profile", "device", "--device"], environment: harness.environment)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stderr.contains("enter the code"))
        #expect(login.stderr.contains("Signed in to profile device as Alice Example"))
        let record = try #require(try harness.record())
        let status = try await BuiltBinary.run(["status", "--profile", "device"], environment: harness.environment)
        #expect(status.status == 0)
        #expect(status.stdout.contains("signed in as: Alice Example"))
        #expect(status.stdout.contains("refresh token: present"))
        for secret in [
            record.accessToken.reveal(), record.refreshToken?.reveal() ?? "-", record.idToken?.reveal() ?? "-",
        ] {
            let leaked =
                status.stdout.contains(secret) || status.stderr.contains(secret) || login.stderr.contains(secret)
            #expect(!leaked, "status or login printed a stored secret")
        }
        let logout = try await BuiltBinary.run(["logout", "--profile", "device"], environment: harness.environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(try harness.record() == nil)
    }

    @Test("client credentials for unattended profiles, with the profile's headers in the JSON answer")
    func clientCredentials() async throws {
        let harness = try await ReadyHelperHarness()
        let result = try await harness.get("svc", context: "scheduled-task")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"X-Org\" : \"acme\""))
        #expect(result.stdout.contains("\"format\" : \"json-object\""))
    }

    @Test("credhelper check passes the signed-in helper in every context")
    func checkPasses() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        let result = try await BuiltBinary.run(
            ["check", "--helper", harness.link("corp")], environment: harness.environment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    }

    @Test("a corrupt or widened store file is reported and left untouched")
    func corruptStore() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        let file = try #require(
            try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory).first { $0.hasSuffix(".json") })
        let path = harness.storeDirectory + "/" + file
        FileManager.default.createFile(
            atPath: path, contents: Data("{not json".utf8), attributes: [.posixPermissions: 0o600])
        let corrupt = try await harness.get(context: "interactive")
        #expect(corrupt.status == 3)
        #expect(corrupt.stderr.contains("token store unreadable:"), "\(corrupt.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
        try FileManager.default.removeItem(atPath: path)
        _ = try await harness.signIn()
        chmod(path, 0o644)
        let widened = try await harness.get(context: "background")
        #expect(widened.status == 3)
        #expect(
            widened.stderr.contains("token store unreadable:") && widened.stderr.contains("644"), "\(widened.stderr)")
    }

    static func closedPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
