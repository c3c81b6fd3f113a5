import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// One version, set in `CredhelperVersion`, reported everywhere a deployer looks for it.
@Suite("credhelper --version and the version in JSON reports")
struct VersionTests {
    @Test("--version prints the version, through the small executable too")
    func versionFlag() async throws {
        let result = try await BuiltBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == CredhelperVersion.current)
        #expect(CredhelperVersion.current.split(separator: ".").count == 3)
    }

    @Test("check --json and status --json carry the version")
    func jsonReports() async throws {
        let folder = HelperScripts()
        let helper = folder.script("helper.sh", "echo tok-0123456789abcdef")
        let check = try await BuiltBinary.run(["check", helper, "--context", "background", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect(report["version"] as? String == CredhelperVersion.current)
        let profiles = folder.path("profiles.json")
        folder.write(#"{"profiles": {"s": {"kind": "static", "token": "static-token-0123456789"}}}"#, to: profiles)
        chmod(profiles, 0o600)
        let status = try await BuiltBinary.run(
            ["status", "--json"], environment: ["CREDHELPER_PROFILES": profiles, "HOME": folder.directory])
        let statuses = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        #expect(statuses.first?["credhelperVersion"] as? String == CredhelperVersion.current, "\(status.stdout)")
    }
}
