import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

/// `credhelper doctor` against the real glewlwyd: each deployment mistake is named by its stable
/// code, as FAIL or WARN with the fix, within 5 seconds.
extension ReadyHelperTests {
    struct DoctorLine: Decodable {
        let profile: String
        let code: String
        let level: String
        let detail: String
        let fix: String?
    }

    /// `credhelper doctor --profile PROFILE --json ARGS`, timed.
    private func doctor(
        _ harness: ReadyHelperHarness, _ profile: String, _ arguments: [String] = [],
        environment: [String: String]? = nil
    ) async throws -> (status: Int32, lines: [DoctorLine]) {
        let started = ContinuousClock.now
        let result = try await BuiltBinary.run(
            ["doctor", "--profile", profile, "--json"] + arguments, environment: environment ?? harness.environment)
        #expect(ContinuousClock.now - started < .seconds(5), "doctor took more than 5 s")
        let lines = try JSONDecoder().decode([DoctorLine].self, from: Data(result.stdout.utf8))
        #expect(!result.stdout.contains("eyJ"), "doctor printed something that looks like a token")
        return (result.status, lines)
    }

    private func finding(_ lines: [DoctorLine], _ code: String) -> DoctorLine? { lines.first { $0.code == code } }

    @Test("doctor: a correctly deployed, signed-in profile has no FAIL; the probe accepts client and redirect")
    func doctorHealthyProfile() async throws {
        let harness = try await ReadyHelperHarness(hostTTL: 600)
        _ = try await harness.signIn()
        let (status, lines) = try await doctor(harness, "corp", ["--ttl", "600", "--timeout", "300"])
        #expect(status == 0, "\(lines.map { "\($0.level) \($0.code): \($0.detail)" })")
        #expect(!lines.contains { $0.level != "OK" }, "\(lines.map { "\($0.level) \($0.code): \($0.detail)" })")
        #expect(finding(lines, "client-registration")?.level == "OK")
        #expect(finding(lines, "redirect-uri")?.level == "OK")
        #expect(finding(lines, "sign-in")?.detail.contains("Alice Example") == true)
    }

    @Test("doctor: a wrong clientId is a FAIL naming clientId")
    func doctorWrongClient() async throws {
        let idp = try await IdentityProvider.shared()
        let harness = try await ReadyHelperHarness(extra: [
            "wrongclient": [
                "issuer": idp.info.issuer, "clientId": "no-such-client", "scopes": idp.info.scopes,
                "redirectPort": idp.info.redirectPort,
            ]
        ])
        let (status, lines) = try await doctor(harness, "wrongclient")
        #expect(status == 1)
        let line = try #require(finding(lines, "client-registration"))
        #expect(line.level == "FAIL" && line.detail.contains("clientId"), "\(line.detail)")
    }

    @Test("doctor: an unregistered redirect port is a FAIL naming redirectPort")
    func doctorUnregisteredRedirect() async throws {
        let idp = try await IdentityProvider.shared()
        let harness = try await ReadyHelperHarness(extra: [
            "wrongport": [
                "issuer": idp.info.issuer, "clientId": idp.info.publicClient, "scopes": idp.info.scopes,
                "redirectPort": try LoopbackPort.unused(),
            ]
        ])
        let (status, lines) = try await doctor(harness, "wrongport")
        #expect(status == 1)
        let line = try #require(finding(lines, "redirect-uri"))
        #expect(line.level == "FAIL" && line.detail.contains("redirectPort"), "\(line.detail)")
        #expect(finding(lines, "client-registration")?.level == "OK")
    }

    @Test("doctor: keyring storage with no session bus is a FAIL naming the keyring and the fallback")
    func doctorUnreachableKeyring() async throws {
        let harness = try await ReadyHelperHarness(
            tokenStorage: "keyring", environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"])
        let (status, lines) = try await doctor(harness, "corp")
        #expect(status == 1)
        let line = try #require(finding(lines, "keyring"))
        #expect(line.level == "FAIL" && line.detail.contains("Secret Service"), "\(line.detail)")
        #expect(line.fix?.contains("keyring-or-file") == true)
    }

    @Test("doctor: app TTL 3600, hostTtlSec 60 and 120 s tokens: TTL mismatch and token lifetime named")
    func doctorTTLsDisagree() async throws {
        let harness = try await ReadyHelperHarness(hostTTL: 60)
        _ = try await harness.signIn()
        // The provider's tokens last 120 s (as a short-lived-token IdP issues them).
        let files = try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)
        let key = TokenStoreKey(digestOf: String(try #require(files.first { $0.hasSuffix(".json") }).dropLast(5)))
        var record = try #require(try harness.store.read(key))
        record.expiresAt = record.obtainedAt + 120
        try harness.store.write(record, for: key)
        let (status, lines) = try await doctor(harness, "corp", ["--ttl", "3600"])
        #expect(status == 1)
        let mismatch = try #require(finding(lines, "ttl-mismatch"))
        #expect(mismatch.level == "WARN" && mismatch.detail.contains("3600") && mismatch.detail.contains("60"))
        let lifetime = try #require(finding(lines, "token-lifetime"))
        #expect(lifetime.level == "FAIL" && lifetime.detail.contains("120 s"), "\(lifetime.detail)")
        #expect(lifetime.fix?.contains("at most 90 s") == true, "\(lifetime.fix ?? "")")
    }

    @Test("doctor: a refresh token the provider rejected is a FAIL with when, and the login command")
    func doctorRejectedRefreshToken() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let refused = try await harness.helper(context: "background")
        #expect(refused.status == 1)
        let (status, lines) = try await doctor(harness, "corp")
        #expect(status == 1)
        let line = try #require(finding(lines, "refresh-rejected"))
        #expect(line.level == "FAIL" && line.detail.contains("rejected"), "\(line.detail)")
        #expect(line.fix?.contains("credhelper login --profile corp") == true)
    }

    @Test("doctor: a caFile that is not the provider's CA is a FAIL naming caFile")
    func doctorWrongCA() async throws {
        let (harness, environment, _) = try await tlsHarness(["caFile": "/etc/ssl/certs/ca-certificates.crt"])
        let (status, lines) = try await doctor(harness, "tls", environment: environment)
        #expect(status == 1)
        let line = try #require(finding(lines, "ca"))
        #expect(line.level == "FAIL" && line.detail.contains("caFile"), "\(line.detail)")
    }
}
