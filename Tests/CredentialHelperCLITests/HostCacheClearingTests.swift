import Foundation
import TestSupport
import Testing

/// `logout` removes the signed-out token from the host cache, and `get --clear-cache` drops the cached
/// answer: neither leaves `get` printing a token from before (docs/helper.md, "Commands for people").
@Suite("Clearing the host cache", .timeLimit(.minutes(1)))
struct HostCacheClearingTests {
    let folder = HelperScripts()

    /// An `exec` profile whose tool mints a new token each run (its generation in a file).
    func environment() -> [String: String] {
        let generation = folder.path("generation")
        let tool = folder.script(
            "mint.sh",
            """
            n=$(( $(cat '\(generation)' 2>/dev/null || echo 0) + 1 )); echo $n > '\(generation)'
            echo "minted-token-$n-0123456789"
            """)
        let profiles = folder.path("profiles.json")
        folder.write(
            #"{"profiles": {"tool": {"kind": "exec", "command": ["\#(tool)"], "tokenLifetimeSec": 3600}}}"#,
            to: profiles, mode: 0o600)
        return [
            "CREDHELPER_PROFILES": profiles, "CREDHELPER_STATE_DIR": folder.path("state"),
            "CREDHELPER_CACHE_DIR": folder.path("host-cache"), "HOME": folder.directory,
        ]
    }

    struct Answer: Decodable {
        let cached: Bool
        let headers: [String: String]
    }

    func get(_ extra: [String] = [], _ environment: [String: String]) async throws -> Answer {
        let result = try await BuiltBinary.run(
            ["get", "--helper", BuiltBinary.path, "--context", "background", "--json", "--show-secrets"] + extra,
            environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Answer.self, from: Data(result.stdout.utf8))
    }

    func isGeneration(_ answer: Answer, _ n: Int) -> Bool {
        answer.headers["Authorization"] == "Bearer minted-token-\(n)-0123456789"
    }

    @Test("after logout, get runs the helper again instead of printing the signed-out token")
    func logoutClearsHostCache() async throws {
        let environment = environment()
        let first = try await get([], environment)
        let again = try await get([], environment)
        #expect(!first.cached && again.cached && isGeneration(again, 1), "the second get should come from the cache")
        let logout = try await BuiltBinary.run(["logout", "--profile", "tool"], environment: environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(logout.stderr.contains("Removed the profile's token from the host cache"), "\(logout.stderr)")
        let after = try await get([], environment)
        #expect(!after.cached && isGeneration(after, 2), "get printed the signed-out token from the host cache")
    }

    @Test("get --clear-cache runs the helper now and caches its new answer")
    func clearCacheFlag() async throws {
        let environment = environment()
        _ = try await get([], environment)
        // The helper's own store still holds generation 1: clear both to see a new token.
        _ = try await BuiltBinary.run(["logout", "--profile", "tool"], environment: environment)
        _ = try await get([], environment)
        let cleared = try await get(["--clear-cache"], environment)
        #expect(!cleared.cached, "--clear-cache answered from the cache")
        let next = try await get([], environment)
        #expect(next.cached, "the answer after --clear-cache was not cached again")
    }
}
