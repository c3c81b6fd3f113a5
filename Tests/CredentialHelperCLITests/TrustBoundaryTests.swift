import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The ready-made helper and the host against another local user and hostile helpers
/// (docs/security.md), through the built binary.
@Suite("Trust boundaries, end to end", .timeLimit(.minutes(2)))
struct TrustBoundaryTests {
    let folder = HelperScripts()

    /// Writes a profiles file with `json` and `mode`; returns its path.
    func profiles(_ json: String, mode: mode_t = 0o600) -> String {
        let path = folder.path("profiles.json")
        folder.write(json, to: path)
        chmod(path, mode)
        return path
    }

    /// `credhelper` run by a host in `context` with the profiles file.
    func helper(
        _ profiles: String, profile: String? = nil, context: String = "background", extra: [String: String] = [:]
    )
        async throws -> BuiltBinary.Result
    {
        var environment = [
            "CLAUDE_HELPER_CONTEXT": context, "CREDHELPER_PROFILES": profiles,
            "CREDHELPER_STATE_DIR": folder.path("state"), "HOME": folder.directory,
        ]
        if let profile { environment["CREDHELPER_PROFILE"] = profile }
        return try await BuiltBinary.run([], environment: environment.merging(extra) { $1 })
    }

    static let staticProfile = #"{"profiles": {"s": {"kind": "static", "token": "static-token-0123456789"}}}"#

    @Test(
        "a profiles file others can write is a configuration error naming the file and the fix",
        arguments: [0o666, 0o622, 0o620])
    func writableProfiles(mode: Int) async throws {
        let path = profiles(Self.staticProfile, mode: mode_t(mode))
        let result = try await helper(path)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "a token from a file others can write was printed")
        #expect(result.stderr.hasPrefix("configuration error: "), "\(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains("chmod go-w"), "\(result.stderr)")
        chmod(path, 0o600)
        let fixed = try await helper(path)
        #expect(
            fixed.status == 0
                && fixed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "static-token-0123456789",
            "\(fixed.stderr)")
    }

    @Test("an exec profile in a profiles file others can write does not run its command")
    func writableProfilesDoNotRunCommands() async throws {
        let marker = folder.path("ran")
        let json = #"{"profiles": {"x": {"kind": "exec", "command": ["/usr/bin/touch", "\#(marker)"]}}}"#
        let result = try await helper(profiles(json, mode: 0o666))
        #expect(result.status == 2)
        #expect(!FileManager.default.fileExists(atPath: marker), "the command of an untrusted profiles file ran")
    }

    @Test(
        "a profiles file owned by another user is refused",
        .enabled(if: SecondUser.available, "two-user tests run as root, acting as nobody through setpriv"))
    func foreignProfiles() async throws {
        let path = profiles(Self.staticProfile)
        chown(path, SecondUser.uid, SecondUser.gid)
        let result = try await helper(path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("belongs to another user"), "\(result.stderr)")
    }

    @Test("exec tools and the browser opener never see a client secret read from the environment")
    func secretKeptFromChildren() async throws {
        let json = #"""
            {"profiles": {
              "svc": {"issuer": "http://127.0.0.1:9/x", "clientId": "c", "grant": "client-credentials",
                      "clientSecretEnv": "SVC_CLIENT_SECRET"},
              "tool": {"kind": "exec", "command": ["/bin/sh", "-c",
                       "if [ -n \"$SVC_CLIENT_SECRET\" ]; then echo secret-was-visible-123456; else echo tok-clean-0123456789; fi"]}
            }}
            """#
        let result = try await helper(
            profiles(json), profile: "tool", extra: ["SVC_CLIENT_SECRET": "client-secret-value-0123456789"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "tok-clean-0123456789",
            "the exec tool saw the client secret variable")
    }

    @Test(
        "with no home directory the helper refuses, and creates nothing in a shared temp directory",
        .enabled(if: SecondUser.available, "two-user tests run as root, acting as nobody through setpriv"))
    func noHomeDirectory() async throws {
        // nobody may not be able to enter the checkout or the test's temp folder: it runs copies
        // from a folder in /tmp it can reach.
        let binaries = [BuiltBinary.path, BuiltBinary.path + "-full"]
        let (reachable, placed) = try SecondUser.reachableCopies(of: binaries)
        let path = reachable.path("profiles.json")
        reachable.write(#"{"profiles": {"o": {"issuer": "http://127.0.0.1:9/x", "clientId": "c"}}}"#, to: path)
        chmod(path, 0o644)
        let shared = "/tmp/.local/state/credhelper"
        let existedBefore = FileManager.default.fileExists(atPath: shared)
        // nobody's home in the password database is /nonexistent: there is no home at all.
        let (status, output) = try await SecondUser.shell(
            "exec '\(placed[0])'",
            environment: ["CLAUDE_HELPER_CONTEXT": "background", "CREDHELPER_PROFILES": path])
        #expect(status == 2, "\(output)")
        #expect(output.contains("configuration error: cannot locate the token store"), "\(output)")
        #expect(output.contains("set HOME, or set CREDHELPER_STATE_DIR"), "\(output)")
        if !existedBefore { #expect(!FileManager.default.fileExists(atPath: shared)) }
    }

    @Test("a token file or client secret file in a directory others can write is refused, naming the directory")
    func secretFilesInWritableDirectory() async throws {
        let directory = folder.subdirectory("open", mode: 0o777)
        let tokenFile = directory + "/token"
        folder.write("file-token-0123456789\n", to: tokenFile, mode: 0o600)
        let secretFile = directory + "/secret"
        folder.write("client-secret-0123456789\n", to: secretFile, mode: 0o600)
        let json = #"""
            {"profiles": {"f": {"kind": "file", "path": "\#(tokenFile)"},
              "svc": {"issuer": "http://127.0.0.1:9/x", "clientId": "c", "grant": "client-credentials",
                      "clientSecretFile": "\#(secretFile)"}}}
            """#
        let path = profiles(json)
        for profile in ["f", "svc"] {
            let result = try await helper(path, profile: profile)
            #expect(result.status != 0 && result.stdout.isEmpty, "\(profile): \(result.stdout)")
            #expect(
                result.stderr.contains("writable by every user") && result.stderr.contains(directory),
                "\(result.stderr)")
        }
        chmod(directory, 0o755)
        let fixed = try await helper(path, profile: "f")
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    @Test("a helper header with a control character is a protocol error, and no escape byte reaches the terminal")
    func controlCharacterHeader() async throws {
        let helper = folder.script(
            "esc.sh", #"printf '%s\n' '{"token": "tok-0123456789abcdef", "headers": {"X-A": "\u001b]0;owned\u0007"}}'"#)
        let result = try await BuiltBinary.run(["get", "--helper", helper, "--no-cache"])
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("control character"), "\(result.stderr)")
        let escaped = (result.stdout + result.stderr).unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }
        #expect(!escaped, "a control character reached the terminal")
        let check = try await BuiltBinary.run(["check", helper, "--context", "background", "--json"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("\"header-value-control-character\""), "\(check.stdout)")
    }

    @Test("check never shows a short token mixed into stdout, in the table or in --json")
    func checkRedactsShortTokens() async throws {
        let helper = folder.script("banner.sh", "echo 'Welcome to the corp shell'; echo ghp_abc123")
        for format in [[], ["--json"]] {
            let result = try await BuiltBinary.run(["check", helper, "--context", "background"] + format)
            #expect(result.status == 1)
            #expect(result.stdout.contains("multiple-lines"), "\(result.stdout)")
            let leaked = result.stdout.contains("ghp_abc123") || result.stderr.contains("ghp_abc123")
            #expect(!leaked, "check printed the token")
            #expect(result.stdout.contains("Welcome to the corp shell"), "prose lines are still shown")
        }
    }

    @Test("a helper in a directory another user can write is refused by get and check (exit 6 / unsafe-permissions)")
    func writableHelperDirectory() async throws {
        let directory = folder.subdirectory("shared", mode: 0o777)
        let helper = directory + "/helper.sh"
        folder.write("#!/bin/sh\necho tok-0123456789\n", to: helper, mode: 0o755)
        let get = try await BuiltBinary.run(["get", "--helper", helper, "--no-cache"])
        #expect(get.status == 6, "\(get.stderr)")
        #expect(get.stderr.contains(directory) && get.stderr.contains("chmod go-w"), "\(get.stderr)")
        let check = try await BuiltBinary.run(["check", helper, "--json"])
        #expect(check.stdout.contains("\"unsafe-permissions\""), "\(check.stdout)")
    }
}

/// Sign-in against a hostile provider (Tests/Fixtures/hostile-idp/provider.py, a real HTTP server).
@Suite("Sign-in against a hostile provider", .timeLimit(.minutes(1)))
struct HostileProviderTests {
    let folder = HelperScripts()

    /// The fixture's port; started once, awaited off the cooperative pool.
    static let started = Task { () -> Int in
        let script = IdentityProvider.fixtureScript.replacing("glewlwyd/idp.py", with: "hostile-idp/provider.py")
        let stderr = NSTemporaryDirectory() + "/credhelper-hostile-idp-\(UUID().uuidString).stderr"
        guard let (_, line) = try? await IdentityProvider.launch([], script: script, stderrPath: stderr),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int],
            let port = object["port"]
        else { fatalError("the hostile provider fixture did not start; see \(stderr)") }
        return port
    }

    func login(mode: String) async throws -> (BuiltBinary.Result, opened: Bool) {
        let port = await Self.started.value
        let profiles = folder.path("profiles.json")
        folder.write(
            #"{"profiles": {"p": {"issuer": "http://127.0.0.1:\#(port)/\#(mode)", "clientId": "c", "grant": "device"}}}"#,
            to: profiles)
        chmod(profiles, 0o600)
        let marker = folder.path("opened")
        let browser = folder.script("browser.sh", "touch '\(marker)'")
        let result = try await BuiltBinary.run(
            ["login", "--profile", "p", "--device"],
            environment: [
                "CREDHELPER_PROFILES": profiles, "CREDHELPER_STATE_DIR": folder.path("state"),
                "CREDHELPER_BROWSER": browser, "HOME": folder.directory,
            ])
        try await Task.sleep(for: .milliseconds(300))
        return (result, FileManager.default.fileExists(atPath: marker))
    }

    @Test("a device sign-in page that is not HTTPS is neither opened nor shown")
    func plainHTTPVerificationPage() async throws {
        let (result, opened) = try await login(mode: "phish-device")
        #expect(result.status != 0)
        #expect(!opened, "the browser was sent to a plain-HTTP page on another host")
        #expect(result.stderr.contains("is not HTTPS"), "\(result.stderr)")
        #expect(!result.stderr.contains("enter the code"), "\(result.stderr)")
    }

    @Test("a user code with terminal escapes is refused, and no escape byte is printed")
    func escapeInUserCode() async throws {
        let (result, _) = try await login(mode: "escape-device")
        #expect(result.status != 0)
        #expect(result.stderr.contains("user_code with control characters"), "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }
}
