import DeploymentKit
import Foundation
import TestSupport
import Testing

/// Answers the app or the helper would refuse, or that would make the files disagree, are refused
/// before anything is written, each with a sentence naming the answer.
@Suite("config write: validation")
struct ValidationTests {
    static func answers(_ json: String) throws(DeploymentError) -> DeploymentAnswers {
        try DeploymentAnswers(json: Array(json.utf8), source: "answers")
    }

    static let profile = #""profiles": {"corp": {"issuer": "https://idp.example.com", "clientId": "app"}}"#

    @Test(
        "refused with a sentence naming the answer",
        arguments: [
            (
                #"{"ttlSec": 3600, "profiles": {"corp": {"issuer": "https://idp.example.com", "clientId": "app", "hostTtlSec": 60}}}"#,
                "hostTtlSec"
            ),
            (#"{"ttlSec": 90000, \#(profile)}"#, "ttlSec"),
            (#"{"timeoutSec": 601, \#(profile)}"#, "timeoutSec"),
            (#"{"helperPath": "credhelper", \#(profile)}"#, "helperPath"),
            (#"{"authScheme": "basic", \#(profile)}"#, "authScheme"),
            (#"{"appSettings": {"inferenceCredentialHelperTtlSec": "60"}, \#(profile)}"#, "ttlSec"),
            (#"{"appSettings": {"inferenceProvider": 1}, \#(profile)}"#, "inferenceProvider"),
            (#"{"ttlSecs": 60, \#(profile)}"#, "ttlSecs"),
            (#"{"customHeaders": {"Host": "x"}, \#(profile)}"#, "Host"),
            (#"{"profiles": {"corp": {"issuer": "https://idp.example.com"}}}"#, "clientId"),
            (
                #"{"profiles": {"a": {"kind": "file", "path": "/t"}, "b": {"kind": "file", "path": "/u"}}}"#,
                "defaultProfile"
            ),
            (#"{}"#, "no profile"),
            (#"{"windowsHelperPath": "credhelper.exe", \#(profile)}"#, "windowsHelperPath"),
            (#"{"otlpHeadersHelper": "nobody", \#(profile)}"#, "otlpHeadersHelper names the profile \"nobody\""),
            (
                #"{"otlpHeadersHelper": "corp", "appSettings": {"otlpHeadersHelper": "/x"}, \#(profile)}"#,
                "set it with the answer made for it (otlpHeadersHelper"
            ),
            (#"{"mcpHeadersHelpers": {"wiki": "corp"}, \#(profile)}"#, "appSettings.managedMcpServers"),
            (
                #"{"otlpHeadersHelper": "full", "defaultProfile": "corp", "profiles": {"corp": {"kind": "file", "path": "/t"}, "full": {"kind": "file", "path": "/u"}}}"#,
                "credhelper-full@headers is the full binary"
            ),
            (
                #"{"mcpHeadersHelpers": {"wiki": "corp"}, "appSettings": {"managedMcpServers": "[{\"name\": \"docs\", \"url\": \"https://d\"}]"}, \#(profile)}"#,
                "server \"wiki\", which is not in"
            ),
            (
                #"{"mcpHeadersHelpers": {"wiki": "corp"}, "appSettings": {"managedMcpServers": "[{\"name\": \"wiki\", \"server\": \"github\"}]"}, \#(profile)}"#,
                "not a remote server"
            ),
            (
                #"{"mcpHeadersHelpers": {"wiki": "corp"}, "appSettings": {"managedMcpServers": "[{\"name\": \"wiki\", \"url\": \"https://w\", \"headersHelperTtlSec\": 7200}]"}, \#(profile)}"#,
                "headersHelperTtlSec"
            ),
            (
                #"{"mcpHeadersHelpers": {"wiki": "nobody"}, "appSettings": {"managedMcpServers": "[]"}, \#(profile)}"#,
                "nobody"
            ),
        ])
    func refused(json: String, named: String) {
        do {
            _ = try Deployment(try Self.answers(json))
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(named), "\(error.message)")
        }
    }

    @Test("the .reg export needs the Windows helper path; without it it is not a default format")
    func registryNeedsWindowsPath() throws {
        let deployment = try Deployment(try Self.answers("{\(Self.profile)}"))
        #expect(!deployment.defaultFormats.contains(.reg))
        #expect(throws: DeploymentError.self) { try deployment.files([.reg]) }
    }

    @Test("otlpHeadersHelper is the @headers link next to the helper; no .reg can name it")
    func otlpHeadersHelperLink() throws {
        let answers = try Self.answers(
            #"{"otlpHeadersHelper": "corp", "windowsHelperPath": "C:\\c\\credhelper.exe", \#(Self.profile)}"#)
        let deployment = try Deployment(answers)
        #expect(deployment.appValues.contains { $0 == ("otlpHeadersHelper", "/usr/bin/credhelper-corp@headers") })
        #expect(!deployment.defaultFormats.contains(.reg))
        #expect(throws: DeploymentError.self) { try deployment.files([.reg]) }
    }

    @Test("mcpHeadersHelpers: the named server gets the link and a TTL the profile's credentials cover")
    func mcpHeadersHelperLink() throws {
        let answers = try Self.answers(
            #"{"ttlSec": 900, "mcpHeadersHelpers": {"wiki": "corp"}, "appSettings": {"managedMcpServers": "[{\"name\": \"wiki\", \"transport\": \"http\", \"url\": \"https://wiki.example.com/mcp\"}, {\"name\": \"other\", \"url\": \"https://o\"}]"}, \#(Self.profile)}"#
        )
        let deployment = try Deployment(answers)
        let servers = try #require(deployment.appValues.first { $0.key == "managedMcpServers" }?.value)
        #expect(
            servers == #"[{"headersHelper":"/usr/bin/credhelper-corp@headers","headersHelperTtlSec":900,"name":"wiki","#
                + #""transport":"http","url":"https://wiki.example.com/mcp"},{"name":"other","url":"https://o"}]"#)
        #expect(deployment.linkCommands == ["ln -s /usr/bin/credhelper /usr/bin/credhelper-corp@headers"])
        #expect(!deployment.defaultFormats.contains(.reg))
    }

    @Test("appSettings may name its own otlpHeadersHelper when the answer is not given (a Windows script path)")
    func ownOtlpHeadersHelper() throws {
        let deployment = try Deployment(
            try Self.answers(#"{"appSettings": {"otlpHeadersHelper": "C:\\corp\\otlp.exe"}, \#(Self.profile)}"#))
        #expect(deployment.appValues.contains { $0 == ("otlpHeadersHelper", #"C:\corp\otlp.exe"#) })
    }

    @Test("the same answers give the same bytes (identifiers derived, not random)")
    func deterministic() throws {
        let first = try Deployment(try Self.answers("{\(Self.profile)}")).files(
            DeploymentFormat.allCases.filter { $0 != .reg && $0 != .claudeCode })
        let second = try Deployment(try Self.answers("{\(Self.profile)}")).files(
            DeploymentFormat.allCases.filter { $0 != .reg && $0 != .claudeCode })
        #expect(first == second)
    }
}

/// The `ln -s` lines config write prints are pasted into a shell: every word must stay one word.
@Suite("config write: shell words")
struct ShellWordTests {
    @Test("a helper path with a quote, a combining mark after it, spaces and $(…) stays one word")
    func hostilePath() async throws {
        let helper = "/opt/x'\u{301} $(echo INJECTED>&2) '/credhelper"
        let answers = try ValidationTests.answers(
            #"{"otlpHeadersHelper": "corp", "profiles": {"corp": {"kind": "file", "path": "/t"}}}"#)
        var hostile = answers
        hostile.helperPath = helper
        let command = try #require(try Deployment(hostile).linkCommands.first)
        let result = try await ProgramRun.run(
            "/bin/sh", ["-c", "printf '%s\\n' " + command.dropFirst("ln -s ".count)])
        let words = result.stdout.split(separator: "\n").map(String.init)
        #expect(words == [helper, "/opt/x'\u{301} $(echo INJECTED>&2) '/credhelper-corp@headers"], "\(words)")
        #expect(!result.stderr.contains("INJECTED"))
    }
}
