import Foundation
import TestSupport
import Testing

/// `credhelper check --config` on the ready-made helper deployed as docs/helper.md says (the app's
/// TTL equal to hostTtlSec, a timeout that covers a sign-in, the user signed in): no warnings.
extension ReadyHelperTests {
    @Test("check --config on a correctly deployed, signed-in ready-made helper: no errors and no warnings")
    func checkDeployedReadyHelper() async throws {
        let harness = try await ReadyHelperHarness(hostTTL: 600)
        _ = try await harness.signIn()
        let config = harness.folder.path("app-config.json")
        let settings: [String: Any] = [
            "inferenceCredentialHelper": harness.link("corp"), "inferenceCredentialHelperTtlSec": 600,
            "inferenceCredentialHelperTimeoutSec": 300,
        ]
        FileManager.default.createFile(atPath: config, contents: try JSONSerialization.data(withJSONObject: settings))
        let result = try await BuiltBinary.run(
            ["check", "--config", config, "--json"], environment: harness.environment)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let problems =
            (report["problems"] as? [[String: Any]] ?? [])
            + (report["runs"] as? [[String: Any]] ?? []).flatMap { $0["problems"] as? [[String: Any]] ?? [] }
        #expect(problems.isEmpty, "\(problems.map { "\($0["code"] ?? ""): \($0["message"] ?? "")" })")
        #expect(report["ok"] as? Bool == true)
    }
}
