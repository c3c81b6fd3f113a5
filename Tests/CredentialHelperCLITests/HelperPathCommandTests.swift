import TestSupport
import Testing

/// `get` and `check` run the helper with the PATH the app gives it (docs/protocol.md §3.1): a tool
/// reachable only through the user's login shell works when credhelper starts with a bare GUI PATH.
@Suite("credhelper get/check: the helper's PATH, end to end", .timeLimit(.minutes(2)))
struct HelperPathCommandTests {
    let scripts = HelperScripts()

    /// A private HOME whose `.profile` puts `corp/bin` (holding `corp-token`) on the login PATH, and a
    /// helper that calls `corp-token` by name.
    private func setUp() -> (home: String, helper: String) {
        let home = scripts.subdirectory("home", mode: 0o700)
        _ = scripts.subdirectory("home/corp", mode: 0o700)
        _ = scripts.subdirectory("home/corp/bin", mode: 0o700)
        scripts.write("#!/bin/sh\necho tok-from-corp-cli-0123456789\n", to: home + "/corp/bin/corp-token", mode: 0o700)
        scripts.write("echo 'Welcome to corp'\nexport PATH=\"$HOME/corp/bin:$PATH\"\n", to: home + "/.profile")
        let helper = scripts.script("helper.sh", "exec corp-token")
        return (home, helper)
    }

    @Test("get: a tool found only through the login shell works from a bare GUI environment")
    func getFindsLoginShellTool() async throws {
        let (home, helper) = setUp()
        let result = try await BuiltBinary.run(
            ["get", "--helper", helper, "--no-cache"], environment: ["HOME": home, "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Authorization: Bearer "), "\(result.stdout)")
    }

    @Test("get --launch-path-only: status 127 is explained with the PATH the helper had")
    func launchPathOnlyExplains127() async throws {
        let (home, helper) = setUp()
        let result = try await BuiltBinary.run(
            ["get", "--helper", helper, "--no-cache", "--launch-path-only"],
            environment: ["HOME": home, "PATH": "/usr/bin:/bin"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("a program the helper runs was not found"), "\(result.stderr)")
        #expect(result.stderr.contains("PATH=\"/usr/bin:/bin\""), "\(result.stderr)")
    }

    @Test("check: shows the helper's PATH and reports 127 as command-not-found naming it")
    func checkShowsPath() async throws {
        let (home, helper) = setUp()
        let good = try await BuiltBinary.run(
            ["check", helper, "--context", "interactive"], environment: ["HOME": home, "PATH": "/usr/bin:/bin"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.contains("helper PATH: /usr/bin:/bin:\(home)/corp/bin"), "\(good.stdout)")
        let bad = try await BuiltBinary.run(
            ["check", helper, "--context", "interactive"],
            environment: ["HOME": home, "PATH": "/usr/bin:/bin", "CREDHELPER_HELPER_PATH": "0"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("command-not-found: the helper exited with status 127"), "\(bad.stdout)")
        #expect(bad.stdout.contains("PATH=\"/usr/bin:/bin\""), "\(bad.stdout)")
    }
}
