import Foundation
import TestSupport
import Testing
import TokenStore

/// The run log (docs/helper.md, "The run log"): each helper run's context, outcome, duration and
/// deadline, 0600, bounded, shown by `credhelper status` — never a token.
extension ReadyHelperTests {
    @Test("run log: signed in, cached and failed runs are logged and shown by status; 0600; no token")
    func runLogShownByStatus() async throws {
        let harness = try await ReadyHelperHarness()
        let token = try await harness.signIn()
        let cached = try await harness.get(context: "background")
        #expect(cached.status == 0, "\(cached.stderr)")
        try await harness.idp.revokeAllRefreshTokens()
        try harness.expireStoredToken()
        let refused = try await harness.helper(context: "scheduled-task")
        #expect(refused.status == 1)

        let log = harness.storeDirectory + "/runs.log"
        let mode = try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let leaked = text.contains(token)
        #expect(!leaked, "the run log holds the access token")

        let status = try await BuiltBinary.run(
            ["status", "--profile", "corp", "--json"], environment: harness.environment)
        let object = try #require(
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])?.first)
        let runs = try #require(object["lastRuns"] as? [[String: Any]], "\(status.stdout)")
        let outcomes = runs.compactMap { $0["outcome"] as? String }
        #expect(outcomes.suffix(3) == ["signed-in", "cached", "failed"], "\(outcomes)")
        let failed = try #require(runs.last)
        #expect(failed["context"] as? String == "scheduled-task")
        #expect(failed["code"] as? String == "refresh rejected by the identity provider")
        #expect(failed["deadlineMs"] as? Int != nil && failed["durationMs"] as? Int != nil)
        let textStatus = try await BuiltBinary.run(["status", "--profile", "corp"], environment: harness.environment)
        #expect(textStatus.stdout.contains("last runs:"), "\(textStatus.stdout)")
    }

    @Test("run log: a cached run of `credhelper token --profile P` is logged under P, not the default profile")
    func cachedSubcommandRunNamesItsProfile() async throws {
        let folder = HelperScripts()
        let state = folder.subdirectory("state", mode: 0o700)
        let profiles = folder.path("profiles.json")
        let json =
            #"{"defaultProfile": "main", "profiles": {"main": {"kind": "static", "token": "main-not-shown"}, "#
            + #""corp": {"kind": "static", "token": "corp-not-shown"}}}"#
        FileManager.default.createFile(
            atPath: profiles, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
        let environment = ["HOME": folder.directory, "CREDHELPER_PROFILES": profiles, "CREDHELPER_STATE_DIR": state]
        let run = try await BuiltBinary.run(["token", "--profile", "corp"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let logged = RunLog(directory: state).recent(5).map(\.profile)
        #expect(logged == ["corp"], "logged as \(logged)")
    }

    @Test("run log: bounded to twice its limit, and an append is cheap")
    func runLogBounded() throws {
        let folder = HelperScripts()
        let directory = folder.subdirectory("state", mode: 0o700)
        let log = RunLog(directory: directory)
        let started = ContinuousClock.now
        for index in 0..<3000 {
            log.append(RunLog.Entry(profile: "corp", context: "background", outcome: "cached", durationMs: index))
        }
        let perAppend = (ContinuousClock.now - started) / 3000
        let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(size(log.path) + size(log.path + ".1") <= 2 * RunLog.limit + 512)
        #expect(log.recent(5).map(\.durationMs) == [2995, 2996, 2997, 2998, 2999])
        #expect(perAppend < .milliseconds(1), "an append took \(perAppend)")
    }
}
