import CredentialHelperCLI
import TestSupport
import Testing

@Suite("credhelper get, end to end through the built binary", .timeLimit(.minutes(1)))
struct GetCommandTests {
    let scripts = HelperScripts()
    var cacheEnvironment: [String: String] { ["CREDHELPER_CACHE_DIR": scripts.path("cache")] }

    @Test("prints the headers, token redacted; exit 0; stderr quiet outside interactive")
    func success() async throws {
        let helper = scripts.script(
            "json.sh",
            """
            echo "minting a token" >&2
            echo '{"token": "tok-0123456789abcdef", "headers": {"X-Org-Route": "prod"}}'
            """)
        let result = try await BuiltBinary.run(
            ["get", "--helper", helper, "--context", "background", "--custom-headers", "{\"X-Team\": \"ml\"}"],
            environment: cacheEnvironment)
        #expect(result.status == 0)
        #expect(result.stdout == "Authorization: Bearer tok-…\nX-Team: ml\nX-Org-Route: prod\n")
        #expect(result.stderr == "")
    }

    @Test("started by a parent that ignores SIGCHLD, credhelper still confirms its helper's exit (it hung before)")
    func ignoredChildSignal() async throws {
        let helper = scripts.script("bare.sh", "echo tok-0123456789abcdef")
        // SIG_IGN survives exec: python sets it, then becomes credhelper.
        let setsIgnored =
            "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
        let result = try await BuiltBinary.run(
            ["-c", setsIgnored, BuiltBinary.path, "get", "--helper", helper, "--no-cache", "--show-secrets"],
            executable: "/usr/bin/python3")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Authorization: Bearer tok-0123456789abcdef\n")
    }

    @Test("--show-secrets prints the token; --auth-scheme x-api-key moves it")
    func showSecrets() async throws {
        let helper = scripts.script("bare.sh", "echo tok-0123456789abcdef")
        let result = try await BuiltBinary.run(
            ["get", "--helper", helper, "--auth-scheme", "x-api-key", "--show-secrets", "--no-cache"])
        #expect(result.status == 0)
        #expect(result.stdout == "x-api-key: tok-0123456789abcdef\n")
    }

    @Test("--json prints a document with the headers and the cache state")
    func json() async throws {
        let helper = scripts.script("bare.sh", "echo tok-0123456789abcdef")
        let result = try await BuiltBinary.run(["get", "--helper", helper, "--json"], environment: cacheEnvironment)
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"Authorization\" : \"Bearer tok-…\""))
        #expect(result.stdout.contains("\"cached\" : false"))
        #expect(result.stdout.contains("\"format\" : \"bare-token\""))
        #expect(!result.stdout.contains("0123456789abcdef"))
        let again = try await BuiltBinary.run(["get", "--helper", helper, "--json"], environment: cacheEnvironment)
        #expect(again.stdout.contains("\"cached\" : true"))
    }

    @Test("the on-disk cache honours the TTL across invocations; --no-cache always runs the helper")
    func cache() async throws {
        let helper = scripts.countingHelper()
        for _ in 0..<3 {
            let result = try await BuiltBinary.run(
                ["get", "--helper", helper, "--show-secrets"], environment: cacheEnvironment)
            #expect(result.stdout == "Authorization: Bearer tok-1-interactive\n")
        }
        #expect(scripts.count("runs") == 1)
        _ = try await BuiltBinary.run(["get", "--helper", helper, "--no-cache"], environment: cacheEnvironment)
        #expect(scripts.count("runs") == 2)
        let ttlZero = try await BuiltBinary.run(
            ["get", "--helper", helper, "--ttl", "0", "--show-secrets"], environment: cacheEnvironment)
        #expect(ttlZero.stdout == "Authorization: Bearer tok-3-interactive\n")
    }

    @Test("interactive relays the helper's stderr live; other contexts do not")
    func stderrRelay() async throws {
        let helper = scripts.script(
            "device.sh",
            """
            echo "To sign in, open https://idp.example/device and enter ABCD-EFGH" >&2
            echo tok-0123456789abcdef
            """)
        let interactive = try await BuiltBinary.run(["get", "--helper", helper, "--no-cache"])
        #expect(interactive.stderr.contains("enter ABCD-EFGH"))
        let background = try await BuiltBinary.run(["get", "--helper", helper, "--no-cache", "--context", "background"])
        #expect(background.stderr == "")
    }

    @Test("exit statuses: 2 usage, 3 non-zero exit, 4 timeout, 5 protocol, 6 not started")
    func exitStatuses() async throws {
        let failing = scripts.script("fail.sh", "echo 'identity provider unreachable: connect to the VPN' >&2; exit 1")
        let slow = scripts.script("slow.sh", "sleep 30")
        let banner = scripts.script("banner.sh", "echo 'Welcome!'; echo tok-0123456789abcdef")
        let aws = scripts.script(
            "aws.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"x\"}'")
        let plain = scripts.script("plain.sh", "echo tok", mode: 0o600)
        let cases: [([String], Int32, String)] = [
            (["get"], 2, "inferenceCredentialHelper is not set"),
            (["get", "--helper", "helper.sh"], 2, "not absolute"),
            (["get", "--helper", failing, "--ttl", "soon"], 2, "inferenceCredentialHelperTtlSec"),
            (["get", "--helper", failing, "--context", "later"], 2, "is not a helper context"),
            (["get", "--bogus"], 2, "Unknown option"),
            (["get", "--helper", failing], 3, "connect to the VPN"),
            (["get", "--helper", slow, "--timeout", "1"], 4, "did not finish within 1 s"),
            (["get", "--helper", banner], 5, "stdout has 2 lines"),
            (["get", "--helper", aws], 5, "AWS credential_process"),
            (["get", "--helper", plain], 6, "chmod +x"),
            (["get", "--helper", scripts.path("missing")], 6, "does not exist"),
        ]
        for (arguments, status, message) in cases {
            let result = try await BuiltBinary.run(arguments + ["--no-cache"])
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout == "", "\(arguments)")
        }
    }

    @Test("configuration from a file and the environment; flags win")
    func configurationSources() async throws {
        let helper = scripts.script("bare.sh", "echo tok-0123456789abcdef")
        let config = scripts.path("claude_desktop_config.json")
        scripts.write(
            """
            {"enterpriseConfig": {"inferenceCredentialHelper": "\(helper)", "inferenceGatewayAuthScheme": "x-api-key",
             "inferenceCustomHeaders": "{\\"X-From\\": \\"file\\"}", "inferenceCredentialHelperTimeoutSec": "9000"}}
            """, to: config)
        let result = try await BuiltBinary.run(
            ["get", "--config", config, "--no-cache"], environment: ["INFERENCE_GATEWAY_AUTH_SCHEME": "bearer"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Authorization: Bearer tok-…\nX-From: file\n")
        #expect(result.stderr.contains("warning: inferenceCredentialHelperTimeoutSec is 9000"))
        let flagged = try await BuiltBinary.run(
            ["get", "--config", config, "--no-cache", "--auth-scheme", "x-api-key"],
            environment: ["INFERENCE_GATEWAY_AUTH_SCHEME": "bearer", "CREDHELPER_CONFIG": "/nonexistent"])
        #expect(flagged.stdout.hasPrefix("x-api-key: tok-…\n"))
    }

    @Test(
        "a configLibrary folder and a plist outside the managed locations are both local: the later one wins")
    func configLibraryAndLocalPlist() async throws {
        let local = scripts.script("local.sh", "echo local-0123456789abcdef")
        let plistHelper = scripts.script("plist.sh", "echo plist-0123456789abcdef")
        let library = scripts.subdirectory("configLibrary", mode: 0o700)
        scripts.write(
            #"{"appliedId": "a1b2", "entries": [{"id": "a1b2", "name": "Corp"}]}"#, to: library + "/_meta.json")
        scripts.write(
            #"{"inferenceCredentialHelper": "\#(local)", "inferenceGatewayAuthScheme": "x-api-key"}"#,
            to: library + "/a1b2.json")
        let onlyLocal = try await BuiltBinary.run(["get", "--config", library, "--no-cache"])
        #expect(onlyLocal.stdout == "x-api-key: loca…\n", "\(onlyLocal.stderr)")
        // A plist is not managed by its format: only a file in a managed location is (docs/configuration.md).
        let plist = scripts.path("com.anthropic.claudefordesktop.plist")
        scripts.write(
            "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>inferenceCredentialHelper</key>"
                + "<string>\(plistHelper)</string></dict></plist>", to: plist)
        let flags = try await BuiltBinary.run(["get", "--config", plist, "--config", library, "--no-cache"])
        #expect(flags.stdout == "x-api-key: loca…\n", "\(flags.stderr)")
        let environment = try await BuiltBinary.run(
            ["get", "--no-cache"], environment: ["CREDHELPER_CONFIG": "\(library):\(plist)"])
        #expect(environment.stdout == "x-api-key: plis…\n", "\(environment.stderr)")
    }

    @Test("--help documents the exit statuses")
    func help() async throws {
        let result = try await BuiltBinary.run(["get", "--help"])
        #expect(result.status == 0)
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("4 the helper timed out"))
        #expect(text.contains("6 the helper could not be started"))
    }

    @Test("exit status mapping covers every error code")
    func mapping() {
        #expect(ExitStatus.allCases.map(\.rawValue) == [0, 2, 3, 4, 5, 6])
    }
}
