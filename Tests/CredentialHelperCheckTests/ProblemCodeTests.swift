import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every problem code, produced by a real helper script and asserted by code.
@Suite("credhelper check: every problem code from a real helper", .timeLimit(.minutes(2)))
struct ProblemCodeTests {
    let scripts = HelperScripts()
    let runner = HelperRunner(environment: ["PATH": "/usr/bin:/bin"])

    func check(
        _ path: String, contexts: [HelperContext] = [.interactive, .background], timeout: Int = 10,
        customHeaders: HeaderList = HeaderList(), midSessionBudget: Duration = .seconds(20)
    ) async -> CheckReport {
        let configuration = HostConfiguration(helperPath: path, timeoutSeconds: timeout, customHeaders: customHeaders)
        return await HelperChecker(
            configuration: configuration, contexts: contexts, runner: runner, midSessionBudget: midSessionBudget
        ).check()
    }

    func codes(_ report: CheckReport) -> Set<CheckProblem.Code> { Set(report.allProblems.map(\.problem.code)) }

    static let outputCases: [(String, CheckProblem.Code)] = [
        ("exit 0", .output(.emptyOutput)),
        ("echo 'Last login: Mon'; echo tok-0123456789", .output(.multipleLines)),
        ("echo '{\"token\": '", .output(.invalidJSON)),
        ("echo '[\"tok\"]'", .output(.notJSONObject)),
        ("echo '{\"access_token\": \"tok\"}'", .output(.missingToken)),
        ("echo '{\"token\": 12}'", .output(.tokenNotString)),
        ("echo '{\"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"s\"}'", .output(.awsCredentialProcessFormat)),
        ("echo '{\"token\": \"tok\", \"headers\": [\"X-A: 1\"]}'", .output(.headersNotObject)),
        ("echo '{\"token\": \"tok\", \"headers\": {\"X-A\": 1}}'", .output(.headerValueNotString)),
        ("echo '{\"token\": \"tok\", \"headers\": {\"X A\": \"1\"}}'", .output(.invalidHeaderName)),
        ("echo '{\"token\": \"tok\", \"headers\": {\"X-A\": \"1\\\\r\\\\nX-B: 2\"}}'", .output(.invalidHeaderValue)),
        ("echo '{\"token\": \"tok\", \"headers\": {\"Host\": \"x\"}}'", .output(.forbiddenHeader)),
        (
            "printf '%s\\n' '{\"token\": \"tok\", \"headers\": {\"X-A\": \"\\u001b[2J\"}}'",
            .output(.headerValueControlCharacter)
        ),
        ("echo '{\"token\": \"tok-one\", \"token\": \"tok-two\"}'", .output(.duplicateJSONKey)),
        ("echo 'Bearer tok-0123456789'", .output(.tokenHasWhitespace)),
        ("printf 'tok\\303\\251\\n'", .output(.nonASCIIToken)),
        ("head -c 100000 /dev/zero | tr '\\0' a", .output(.outputTooLarge)),
        ("echo 'failed: connect to the VPN' >&2; exit 4", .run(.nonZeroExit)),
        ("kill -TERM $$", .run(.nonZeroExit)),
        ("corp-tool-not-installed-anywhere", .checker(.commandNotFound)),
        ("exit 126", .checker(.commandNotFound)),
    ]

    @Test("stdout and exit problems are errors", arguments: outputCases)
    func outputProblems(body: String, code: CheckProblem.Code) async {
        let report = await check(scripts.script("helper.sh", body))
        #expect(codes(report).contains(code), "\(report.allProblems.map(\.problem))")
        #expect(!report.ok)
        #expect(report.allProblems.first { $0.problem.code == code }?.problem.severity == .error)
    }

    @Test("warnings: unknown JSON key, credential header collision (helper and custom), background process")
    func warnings() async {
        let extra = await check(
            scripts.script(
                "extra.sh",
                "echo '{\"token\": \"tok-0123456789\", \"expires_in\": 3600, \"headers\": {\"authorization\": \"x\"}}'")
        )
        #expect(codes(extra) == [.checker(.unknownJSONKey), .checker(.credentialHeaderCollision)])
        #expect(extra.ok, "warnings alone do not fail a check")

        let custom = await check(
            scripts.script("plain.sh", "echo tok-0123456789"), customHeaders: ["Authorization": "x"])
        #expect(codes(custom) == [.checker(.credentialHeaderCollision)])

        let agent = await check(scripts.script("agent.sh", "sleep 2 & echo tok-0123456789"), contexts: [.background])
        #expect(codes(agent) == [.checker(.leftBackgroundProcess)])
        #expect(agent.ok)
    }

    @Test("a helper that never finishes: timeout, and in silent contexts interactive-in-silent-context")
    func timeout() async {
        let report = await check(scripts.script("hang.sh", "sleep 30"), timeout: 1)
        #expect(
            report.runs.map { Set($0.problems.map(\.code)) } == [
                [.run(.timedOut)], [.run(.timedOut), .checker(.interactiveInSilentContext)],
            ])
        #expect(report.runs[0].signal == 15)
    }

    @Test("slow: over the mid-session budget is an error in silent contexts; over half the budget a warning")
    func slow() async {
        let helper = scripts.script("slow.sh", "sleep 0.7; echo tok-0123456789")
        let overMidSession = await check(helper, contexts: [.background], midSessionBudget: .milliseconds(300))
        #expect(overMidSession.runs[0].problems.map(\.code) == [.checker(.slowForContext)])
        #expect(overMidSession.runs[0].problems[0].severity == .error)
        let overHalf = await check(helper, contexts: [.interactive], timeout: 1)
        #expect(overHalf.runs[0].problems.map(\.code) == [.checker(.slowForContext)])
        #expect(overHalf.runs[0].problems[0].severity == .warning)
    }

    @Test("reads-stdin: a helper blocked on a prompt is seen, given EOF, and reported")
    func readsStdin() async {
        let report = await check(
            scripts.script("prompt.sh", "printf 'Password: ' >&2; read -r pw || exit 1; echo \"tok-$pw\""),
            contexts: [.background])
        #expect(codes(report) == [.checker(.readsStdin), .run(.nonZeroExit)])
        #expect(report.runs[0].elapsedMs < 5000, "EOF is delivered as soon as the read is seen")
        let reader = await check(scripts.script("cat.sh", "cat; echo tok-0123456789"), contexts: [.background])
        #expect(codes(reader) == [.checker(.readsStdin)])
    }

    @Test("interactive-in-silent-context: trying /dev/tty outside interactive")
    func terminal() async {
        let report = await check(scripts.script("tty.sh", "exec 3</dev/tty || exit 1; echo tok"))
        #expect(report.runs[0].problems.map(\.code) == [.run(.nonZeroExit)])
        #expect(
            Set(report.runs[1].problems.map(\.code)) == [.run(.nonZeroExit), .checker(.interactiveInSilentContext)])
    }

    @Test("inconsistent-answers: a new token on every back-to-back run")
    func inconsistent() async {
        let report = await check(scripts.countingHelper(), contexts: HelperContext.allCases)
        #expect(report.runs.map(\.context) == HelperContext.allCases.map(\.rawValue))
        #expect(report.runs[0].problems.isEmpty)
        // mid-session-refresh says the credential was rejected: a new token there is what a helper should do.
        #expect(report.runs[1].problems.isEmpty)
        #expect(report.runs.dropFirst(2).allSatisfy { $0.problems.map(\.code) == [.checker(.inconsistentAnswers)] })
        #expect(report.ok)
        let stable = await check(scripts.script("stable.sh", "echo tok-0123456789"), contexts: HelperContext.allCases)
        #expect(stable.allProblems.isEmpty)
    }

    @Test("a new token in mid-session-refresh, then that token again, is no problem")
    func freshTokenAfterRejection() async {
        let state = scripts.path("generation")
        let helper = scripts.script(
            "refreshing.sh",
            """
            [ -f '\(state)' ] || echo 1 > '\(state)'
            if [ "$CLAUDE_HELPER_CONTEXT" = mid-session-refresh ]; then echo $(( $(cat '\(state)') + 1 )) > '\(state)'; fi
            echo "tok-generation-$(cat '\(state)')-0123456789"
            """)
        let report = await check(helper, contexts: HelperContext.allCases)
        #expect(report.allProblems.isEmpty, "\(report.allProblems.map(\.problem.code))")
        #expect(report.runs.count == HelperContext.allCases.count)
        let generation = try? String(contentsOfFile: state, encoding: .utf8)
        #expect(generation == "2\n", "the helper did not mint a new token in mid-session-refresh")
    }

    @Test("path problems stop the check before anything runs")
    func paths() async {
        let cases: [(String, CheckProblem.Code)] = [
            ("helper.sh", .run(.pathNotAbsolute)),
            (scripts.path("missing.sh"), .run(.helperNotFound)),
            (scripts.script("plain.sh", "echo tok", mode: 0o644), .run(.notExecutable)),
            (scripts.script("open.sh", "echo tok", mode: 0o777), .run(.unsafePermissions)),
        ]
        for (path, code) in cases {
            let report = await check(path)
            #expect(report.runs.isEmpty)
            #expect(report.problems.map(\.code) == [code], "\(path)")
            #expect(!report.ok)
        }
        let garbage = scripts.path("garbage")
        scripts.write("\u{7F}ELF-not-really", to: garbage)
        chmod(garbage, 0o700)
        #expect(await check(garbage).problems.map(\.code) == [.run(.spawnFailed)])
    }

    @Test("every code in the catalogue is covered by a test in this file")
    func catalogue() {
        let covered: Set<CheckProblem.Code> = Set(Self.outputCases.map(\.1)).union([
            .checker(.unknownJSONKey), .checker(.credentialHeaderCollision), .checker(.leftBackgroundProcess),
            .run(.timedOut), .checker(.interactiveInSilentContext),
            .checker(.slowForContext), .checker(.readsStdin), .checker(.inconsistentAnswers),
            .run(.pathNotAbsolute), .run(.helperNotFound), .run(.notExecutable),
            .run(.unsafePermissions), .run(.spawnFailed), .checker(.entraAudienceMismatch),
        ])
        #expect(covered == Set(CheckProblem.Code.allCases))
    }

    @Test("one list per source: every output code is a check code with the same stable name, and names are unique")
    func derivedCodes() throws {
        for code in HelperOutputError.Code.allCases {
            #expect(CheckProblem.Code(rawValue: code.rawValue) == .output(code))
        }
        let names = CheckProblem.Code.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        let encoded = try JSONEncoder().encode([CheckProblem.Code.checker(.readsStdin), .output(.emptyOutput)])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["reads-stdin","empty-output"]"#)
        #expect(
            try JSONDecoder().decode([CheckProblem.Code].self, from: encoded) == [
                .checker(.readsStdin), .output(.emptyOutput),
            ])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CheckProblem.Code].self, from: Data(#"["no-such-code"]"#.utf8))
        }
        for code in CheckProblem.Code.runCodes {
            #expect(CheckProblem.Code(rawValue: code.rawValue) == .run(code))
        }
        #expect(
            CheckProblem.Code(rawValue: HelperError.Code.cancelled.rawValue) == nil, "not a code the checker reports")
    }

    @Test("docs/check-schema.json lists exactly the codes the checker can report")
    func schemaMatchesCodes() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let schema = try JSONSerialization.jsonObject(
            with: Data(contentsOf: repository.appendingPathComponent("docs/check-schema.json")))
        let defs = (schema as? [String: Any])?["$defs"] as? [String: Any]
        let problem = (defs?["problem"] as? [String: Any])?["properties"] as? [String: Any]
        let names = try #require((problem?["code"] as? [String: Any])?["enum"] as? [String])
        #expect(names.count == Set(names).count, "a code is listed twice in the schema")
        #expect(Set(names) == Set(CheckProblem.Code.allCases.map(\.rawValue)))
    }

    @Test("the report carries the answer, redacted, with merged headers")
    func answer() async throws {
        let report = await check(
            scripts.script(
                "json.sh", "echo 'minting' >&2; echo '{\"token\": \"tok-0123456789\", \"headers\": {\"X-Org\": \"p\"}}'"
            ),
            contexts: [.setupTest], customHeaders: ["X-Team": "ml"])
        let run = try #require(report.runs.first)
        #expect(run.ok && run.exitStatus == 0 && run.budgetMs == 10_000)
        #expect(
            run.answer
                == CheckReport.Answer(
                    format: "json-object", token: "tok-…",
                    headers: ["Authorization": "Bearer tok-…", "X-Org": "p", "X-Team": "ml"], helperHeaderCount: 1))
        #expect(run.stderr == ["minting"])
    }
}
