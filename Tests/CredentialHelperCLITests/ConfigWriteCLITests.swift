import Foundation
import TestSupport
import Testing

/// `credhelper config write` as an administrator runs it: flags alone, and refusal before writing.
@Suite("config write, the command")
struct ConfigWriteCLITests {
    let folder = HelperScripts()

    @Test("nothing is written when a value is wrong; the error names the answer and its code")
    func nothingWrittenOnError() async throws {
        let out = folder.path("out")
        let result = try await BuiltBinary.run([
            "config", "write", "--out", out, "--issuer", "https://idp.example.com", "--client-id", "app",
            "--ttl", "100000",
        ])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("ttlSec is 100000") && result.stderr.contains("[invalid-answer]"), "\(result.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: out), "config write created \(out) for a refused deployment")
    }

    @Test("flags alone: one OAuth profile, the same TTL in the app's plist and the profile's hostTtlSec")
    func flagsAlone() async throws {
        let out = folder.path("out")
        let result = try await BuiltBinary.run([
            "config", "write", "--out", out, "--issuer", "https://idp.example.com", "--client-id", "app",
            "--scope", "openid", "--scope", "offline_access", "--redirect-port", "8765", "--ttl", "900",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(out + "/claude-credhelper.mobileconfig"), "\(result.stdout)")
        #expect(!result.stdout.contains(".reg"), "a .reg was written without a Windows helper path")
        let profiles = try String(contentsOfFile: out + "/profiles.json", encoding: .utf8)
        #expect(
            profiles.contains("\"hostTtlSec\": 900") && profiles.contains("\"defaultProfile\": \"default\""),
            "\(profiles)")
        let plist = try String(contentsOfFile: out + "/com.anthropic.claudefordesktop.plist", encoding: .utf8)
        #expect(plist.contains("<key>inferenceCredentialHelperTtlSec</key>\n\t<string>900</string>"), "\(plist)")
        #expect(plist.contains("<key>inferenceCredentialHelperTimeoutSec</key>\n\t<string>300</string>"), "\(plist)")
    }

    @Test("Claude Code's settings as written run through /bin/sh and answer from the machine-wide profile")
    func claudeCodeSettingsRun() async throws {
        let issuer = folder.script("issue-token", "#!/bin/sh\necho cc-token-0123456789abcdef\n", mode: 0o755)
        let answers = folder.path("answers.json")
        folder.write(
            """
            {"helperPath": "\(BuiltBinary.path)", "defaultProfile": "corp",
             "profiles": {"corp": {"kind": "exec", "command": ["\(issuer)"], "tokenLifetimeSec": 3600}},
             "claudeCode": {"apiKeyHelper": "corp", "otelHeadersHelper": "corp"}}
            """, to: answers, mode: 0o600)
        let out = folder.path("out")
        let written = try await BuiltBinary.run(
            ["config", "write", "--answers", answers, "--out", out, "--format", "claude-code", "--format", "profiles"])
        #expect(written.status == 0, "\(written.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/managed-settings.json"))
        let settings = try JSONDecoder().decode([String: String].self, from: data)
        let environment = [
            "HOME": folder.subdirectory("home", mode: 0o700), "CREDHELPER_MACHINE_PROFILES": out + "/profiles.json",
            "CREDHELPER_STATE_DIR": folder.subdirectory("state", mode: 0o700), "PATH": "/usr/bin:/bin",
        ]
        let apiKey = try await BuiltBinary.run(
            ["-c", settings["apiKeyHelper"] ?? "false"], environment: environment, executable: "/bin/sh")
        #expect(apiKey.status == 0 && apiKey.stdout == "cc-token-0123456789abcdef\n", "\(apiKey.stderr)")
        let headers = try await BuiltBinary.run(
            ["-c", settings["otelHeadersHelper"] ?? "false"], environment: environment, executable: "/bin/sh")
        let object = try JSONDecoder().decode([String: String].self, from: Data(headers.stdout.utf8))
        #expect(object["Authorization"] == "Bearer cc-token-0123456789abcdef", "\(headers.stderr)")
    }

    @Test(
        "the app's otlpHeadersHelper: the link config write names prints the profile's headers, run with no arguments")
    func otlpHeadersHelperRuns() async throws {
        let issuer = folder.script("issue-token", "#!/bin/sh\necho otlp-token-0123456789abcdef\n", mode: 0o755)
        let bin = folder.subdirectory("bin", mode: 0o755)
        try FileManager.default.createSymbolicLink(atPath: bin + "/credhelper", withDestinationPath: BuiltBinary.path)
        let answers = folder.path("answers.json")
        folder.write(
            """
            {"helperPath": "\(bin)/credhelper",
             "profiles": {"corp": {"kind": "exec", "command": ["\(issuer)"], "tokenLifetimeSec": 3600,
                                   "headers": {"X-Tenant": "acme"}}},
             "otlpHeadersHelper": "corp"}
            """, to: answers, mode: 0o600)
        let out = folder.path("out")
        let written = try await BuiltBinary.run(
            ["config", "write", "--answers", answers, "--out", out, "--format", "plist", "--format", "profiles"])
        #expect(written.status == 0, "\(written.stderr)")
        let link = bin + "/credhelper-corp@headers"
        #expect(written.stderr.contains("ln -s \(bin)/credhelper \(link)"), "\(written.stderr)")
        let plist = try String(contentsOfFile: out + "/com.anthropic.claudefordesktop.plist", encoding: .utf8)
        #expect(plist.contains("<key>otlpHeadersHelper</key>\n\t<string>\(link)</string>"), "\(plist)")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: BuiltBinary.path)
        let environment = [
            "HOME": folder.subdirectory("home", mode: 0o700), "CREDHELPER_MACHINE_PROFILES": out + "/profiles.json",
            "CREDHELPER_STATE_DIR": folder.subdirectory("state", mode: 0o700), "PATH": "/usr/bin:/bin",
        ]
        let headers = try await ReadyHelperTests.AWSModesTests.run(link, environment: environment)
        let object = try JSONDecoder().decode([String: String].self, from: Data(headers.stdout.utf8))
        #expect(
            object == ["Authorization": "Bearer otlp-token-0123456789abcdef", "X-Tenant": "acme"], "\(headers.stderr)")
    }
}
