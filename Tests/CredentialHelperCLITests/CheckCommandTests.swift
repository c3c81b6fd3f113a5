import Subprocess
import SystemPackage
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("credhelper check, end to end through the built binary", .timeLimit(.minutes(2)))
struct CheckCommandTests {
    let scripts = HelperScripts()
    static let repository = EmbeddingExampleTests.repository

    @Test("the human report: table, problems by severity, stderr; timings ignored")
    func snapshot() async throws {
        let helper = scripts.script(
            "mixed.sh",
            """
            if [ "$CLAUDE_HELPER_CONTEXT" = interactive ]; then echo tok-0123456789abcdef; exit 0; fi
            if [ "$CLAUDE_HELPER_CONTEXT" = background ]; then echo 'Welcome!'; echo tok-0123456789abcdef; exit 0; fi
            echo "sign-in required: run helper login" >&2
            exit 1
            """)
        let result = try await BuiltBinary.run(
            [
                "check", helper, "--context", "interactive", "--context", "mid-session-refresh", "--context",
                "background",
            ])
        #expect(result.status == 1)
        let normalized = result.stdout
            .replacing(helper, with: "HELPER")
            .replacing(#/ \d+ ms/#, with: " <t> ms")
            .replacing(#/helper PATH: [^\n]*/#, with: "helper PATH: <path>")
        let expected = """
            Checking HELPER
            timeout 60 s (mid-session-refresh 20 s), auth scheme bearer, 0 custom header(s)
            helper PATH: <path>

            CONTEXT              RESULT  EXIT  TIME     BUDGET  ANSWER      TOKEN
            interactive          ok      0     <t> ms  60 s    bare token  tok-…
            mid-session-refresh  FAIL    1     <t> ms  20 s    -           -
            background           FAIL    0     <t> ms  60 s    -           -

            Errors (2)
              [mid-session-refresh] nonzero-exit: the helper exited with status 1 in context mid-session-refresh; a host reports this as a refresh failure. Its last stderr line: "sign-in required: run helper login".
              [background] multiple-lines: stdout has 2 lines; expected exactly one token — is a shell profile or a log line printing to stdout? Send everything except the token to stderr. The lines (redacted): "…", "tok-…"

            Helper stderr (last lines, redacted)
              [mid-session-refresh] sign-in required: run helper login

            FAIL: 2 error(s), 0 warning(s) — a host would fail; fix the errors before deploying.

            """
        // Column widths depend on the timings; compare with runs of spaces collapsed.
        let collapse: (String) -> String = { $0.replacing(#/ +/#, with: " ") }
        #expect(collapse(normalized) == collapse(expected))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test(
        "the report's header states the time limits the runs had", arguments: [("5", "5", "5"), ("900", "600", "20")])
    func headerTimeouts(flag: String, limit: String, midSession: String) async throws {
        let helper = scripts.script("ok.sh", "echo tok-0123456789abcdef")
        let result = try await BuiltBinary.run(["check", helper, "--context", "mid-session-refresh", "--timeout", flag])
        #expect(result.stdout.contains("timeout \(limit) s (mid-session-refresh \(midSession) s)"), "\(result.stdout)")
        #expect(result.stdout.contains(" \(midSession) s "), "the mid-session-refresh row's budget: \(result.stdout)")
    }

    @Test("--json validates against docs/check-schema.json, for passing, failing and path-error reports")
    func jsonSchema() async throws {
        let helpers = [
            scripts.script("ok.sh", "echo '{\"token\": \"tok-0123456789abcdef\", \"headers\": {\"X-A\": \"1\"}}'"),
            scripts.script("fail.sh", "echo 'connect to the VPN' >&2; exit 2"),
            scripts.script("hang.sh", "sleep 30"),
            "relative.sh",
        ]
        for (index, helper) in helpers.enumerated() {
            let result = try await BuiltBinary.run([
                "check", helper, "--json", "--timeout", "1", "--context", "background",
            ])
            #expect(result.status == (index == 0 ? 0 : 1), "\(helper): \(result.stderr)")
            let document = scripts.path("report-\(index).json")
            scripts.write(result.stdout, to: document)
            let validation = try await Subprocess.run(
                .name("python3"),
                arguments: [
                    "-c",
                    "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                    document, Self.repository + "/docs/check-schema.json",
                ],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(validation.terminationStatus.isSuccess, "\(helper): \(validation.standardError)")
        }
    }

    @Test("exit statuses: 0 clean, 1 errors, 2 usage")
    func exitStatuses() async throws {
        let good = scripts.script("good.sh", "echo tok-0123456789abcdef")
        #expect(try await BuiltBinary.run(["check", good]).status == 0)
        #expect(try await BuiltBinary.run(["check", good, "--context", "nope"]).status == 2)
        #expect(try await BuiltBinary.run(["check"]).status == 2)
        #expect(try await BuiltBinary.run(["check", good, "--timeout", "zero"]).status == 2)
        let bad = scripts.script("bad.sh", "echo 'Bearer tok-0123456789abcdef'")
        let failed = try await BuiltBinary.run(["check", bad])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("token-has-whitespace"))
    }

    @Test("--config checks the configured helper with its auth scheme and custom headers")
    func config() async throws {
        let helper = scripts.script(
            "json.sh", "echo '{\"token\": \"tok-0123456789abcdef\", \"headers\": {\"x-api-key\": \"k\"}}'")
        let config = scripts.path("config.json")
        scripts.write(
            """
            {"inferenceCredentialHelper": "\(helper)", "inferenceGatewayAuthScheme": "x-api-key",
             "inferenceCustomHeaders": {"X-Team": "ml"}, "inferenceCredentialHelperTimeoutSec": 7}
            """, to: config)
        let result = try await BuiltBinary.run(["check", "--config", config, "--json", "--context", "setup-test"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"budgetMs\" : 7000"))
        #expect(result.stdout.contains("\"X-Team\" : \"ml\""))
        #expect(result.stdout.contains("\"x-api-key\" : \"tok-…\""))
        #expect(result.stdout.contains("credential-header-collision"))
    }

    @Test("every example helper says what the README says it says")
    func examples() async throws {
        let expected: [(String, [String], Int32)] = [
            ("example-helper.sh", [], 0),
            ("json-headers-helper.sh", [], 0),
            ("context-aware-helper.py", [], 0),
            ("broken-aws-format.sh", ["aws-credential-process-format"], 1),
            ("broken-banner.sh", ["multiple-lines"], 1),
            ("broken-bearer-prefix.sh", ["token-has-whitespace"], 1),
            ("broken-prompts.sh", ["reads-stdin", "nonzero-exit"], 1),
            ("broken-opens-tty.sh", ["interactive-in-silent-context", "nonzero-exit"], 1),
            ("broken-vpn.sh", ["nonzero-exit"], 1),
            ("broken-agent.sh", ["left-background-process"], 0),
            ("broken-rotating.sh", ["inconsistent-answers"], 0),
            ("broken-extra-json.sh", ["unknown-json-key", "credential-header-collision"], 0),
        ]
        for (name, codes, status) in expected {
            let result = try await BuiltBinary.run(
                ["check", Self.repository + "/Examples/helpers/" + name, "--json"],
                environment: ["EXAMPLE_HELPER_CACHE": scripts.path("example-cache/token.json")])
            #expect(result.status == status, "\(name): \(result.stdout)")
            let found = Set(result.stdout.matches(of: /"code" : "([a-z-]+)"/).map { String($0.1) })
            #expect(found == Set(codes), "\(name)")
        }
        let arguments = try await BuiltBinary.run([
            "check", "--config", Self.repository + "/Examples/configs/broken-arguments.json",
        ])
        #expect(arguments.status == 1)
        #expect(arguments.stdout.contains("helper-not-found"))
        #expect(arguments.stdout.contains("arguments cannot be part of the path"))
    }
}
