import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The administrator's journey (docs/deploy.md): `credhelper config write` from one answers file,
/// the machine-wide profiles file and the app's configuration installed as root, then a user
/// account that has never run credhelper — `nobody`, with a home directory made here — gets a token
/// through the app's plain `credhelper` path, with no wrapper script and no file of its own.
@Suite(
    "Fleet deployment, end to end", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SecondUser.available, "acting as another user needs root and setpriv: run the tests as root"))
struct FleetDeploymentTests {
    @Test("config write, install as root, and nobody's first run of the plain credhelper answers a token")
    func neverRunUserGetsAToken() async throws {
        let full = String(BuiltBinary.path.dropLast("credhelper".count)) + "credhelper-full"
        let (folder, placed) = try SecondUser.reachableCopies(of: [BuiltBinary.path, full])
        let helper = placed[0]
        let issuer = folder.script("issue-token", "#!/bin/sh\necho fleet-token-0123456789abcdef\n", mode: 0o755)
        let answers = folder.path("answers.json")
        folder.write(
            """
            {"helperPath": "\(helper)", "ttlSec": 1800, "defaultProfile": "fleet",
             "profiles": {"fleet": {"kind": "exec", "command": ["\(issuer)"], "tokenLifetimeSec": 3600}}}
            """, to: answers, mode: 0o600)
        let out = folder.path("out")
        let written = try await BuiltBinary.run(
            ["config", "write", "--answers", answers, "--out", out, "--format", "plist", "--format", "profiles"])
        #expect(written.status == 0, "\(written.stderr)")

        // Installed as docs/deploy.md says, root-owned and readable by everyone, at the real paths:
        // /etc/credhelper/profiles.json (the default machine-wide file, no variable pointing at it)
        // and the managed location /etc/credhelper/managed. The machine's /etc is shared by every
        // test, so nobody's run sees a copy of it, bind-mounted over /etc in a private mount namespace.
        let etc = folder.path("etc-root")
        try await Self.run("/bin/cp", ["-a", "/etc", etc])
        try await Self.run(
            "/usr/bin/install", ["-d", "-o", "root", "-g", "root", "-m", "0755", etc + "/credhelper/managed"])
        for (from, to) in [
            (out + "/profiles.json", etc + "/credhelper/profiles.json"),
            (
                out + "/com.anthropic.claudefordesktop.plist",
                etc + "/credhelper/managed/com.anthropic.claudefordesktop.plist"
            ),
        ] {
            try await Self.run("/usr/bin/install", ["-o", "root", "-g", "root", "-m", "0644", from, to])
        }
        let plist = "/etc/credhelper/managed/com.anthropic.claudefordesktop.plist"
        let home = folder.subdirectory("home", mode: 0o700)
        chown(home, SecondUser.uid, SecondUser.gid)

        let (status, output) = try await SecondUser.shell(
            "'\(helper)' get --config '\(plist)' --context interactive --json --show-secrets",
            environment: ["HOME": home], etc: etc)
        #expect(status == 0, "\(output)")
        let answered = output.contains("Bearer fleet-token-0123456789abcdef")
        #expect(answered, "nobody's first run did not answer the fleet profile's token")
        // The state landed in nobody's own home, private, and nothing was needed there before.
        var info = stat()
        let tokens = home + "/.local/state/credhelper/tokens"
        #expect(stat(tokens, &info) == 0 && info.st_uid == SecondUser.uid, "no token store of nobody's at \(tokens)")
        #expect(info.st_mode & 0o077 == 0, "nobody's token store is open to others")
        #expect(!FileManager.default.fileExists(atPath: home + "/.config/credhelper/profiles.json"))
    }

    /// Runs `tool` with `arguments` as root; throws when it fails.
    static func run(_ tool: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        try await OffPool.wait { process.waitUntilExit() }
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(tool) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
