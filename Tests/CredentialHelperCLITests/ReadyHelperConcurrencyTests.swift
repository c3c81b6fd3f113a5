import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

extension ReadyHelperTests {
    @Test("50 concurrent helpers with an expired token make exactly one refresh and print the same token")
    func fiftyProcessesOneRefresh() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        try await Self.fiftyHelpersRefreshOnce(harness)
    }

    /// Expires the stored token, runs 50 helpers at once, and checks that the provider saw one
    /// refresh, that all printed the stored token, and that the stored refresh token still works.
    static func fiftyHelpersRefreshOnce(_ harness: ReadyHelperHarness) async throws {
        try harness.expireStoredToken()
        let before = try await harness.idp.grantCounts()["refresh_token", default: 0]
        var environment = harness.environment
        environment["CLAUDE_HELPER_CONTEXT"] = "background"
        environment["CREDHELPER_PROFILE"] = "corp"
        let helperEnvironment = environment
        let results = try await withThrowingTaskGroup(of: BuiltBinary.Result.self) { group in
            for _ in 0..<50 { group.addTask { try await BuiltBinary.run([], environment: helperEnvironment) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 }.map(\.stderr))")
        let tokens = Set(results.map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(tokens.count == 1, "the helpers printed \(tokens.count) different tokens")
        #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == before + 1)
        let record = try #require(try harness.record())
        let stored = tokens.first == record.accessToken.reveal()  // a Bool: failures print no token
        #expect(stored, "the helpers printed a token that is not the stored one")
        // No refresh token was lost: the stored one still refreshes.
        try harness.expireStoredToken()
        let next = try await harness.get(context: "background")
        #expect(next.status == 0, "the stored refresh token no longer works: \(next.stderr)")
    }

    @Test("kill -9 of helpers in the middle of refreshing leaves a readable store and no stuck lock")
    func killDuringWrite() async throws {
        let harness = try await ReadyHelperHarness()
        _ = try await harness.signIn()
        var environment = ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }
        environment["CLAUDE_HELPER_CONTEXT"] = "background"
        environment["CREDHELPER_PROFILE"] = "corp"
        for round in 0..<12 {
            try harness.expireStoredToken()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(2_000 + round * 3_000))  // 2 ms … 35 ms: before, during and after the refresh
            kill(process.processIdentifier, SIGKILL)
            try await OffPool.wait { process.waitUntilExit() }
            let record = try harness.record()  // throws if a write left the file unreadable
            #expect(record != nil, "round \(round): the store record disappeared after kill -9")
        }
        let started = ContinuousClock.now
        let after = try await harness.get(context: "background")
        #expect(!after.stderr.contains("did not finish in time"), "a lock was left held: \(after.stderr)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("an exec profile runs its tool without a shell, once, and reuses its answer")
    func execProfile() async throws {
        let tools = HelperScripts()
        let tool = tools.script(
            "print-token.sh",
            """
            echo run >> '\(tools.path("runs"))'
            printf '%s|%s\\n' "$1" "$CLAUDE_HELPER_CONTEXT" > '\(tools.path("args"))'
            echo "exec-token-$(wc -l < '\(tools.path("runs"))' | tr -d ' ')"
            """)
        let harness = try await ReadyHelperHarness(extra: [
            "cli": ["kind": "exec", "command": [tool, "two words; $(rm -rf /)"], "tokenLifetimeSec": 3600]
        ])
        let first = try await harness.get("cli", context: "background")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(ReadyHelperHarness.token(from: first) == "exec-token-1")
        #expect(tools.read("args") == "two words; $(rm -rf /)|background\n")
        let second = try await harness.get("cli", context: "scheduled-task")
        #expect(ReadyHelperHarness.token(from: second) == "exec-token-1")
        #expect(tools.count("runs") == 1)
    }

    @Test("an exec profile whose tool fails reports it on one line")
    func execProfileFailure() async throws {
        let tools = HelperScripts()
        let tool = tools.script("fail.sh", "echo 'gcloud: not logged in' >&2; exit 4")
        let harness = try await ReadyHelperHarness(extra: ["cli": ["kind": "exec", "command": [tool]]])
        let result = try await harness.helper("cli", context: "background")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "command failed: \(tool) exited with status 4: gcloud: not logged in\n")
    }

    @Test("a file profile reads a private token file and refuses a readable one")
    func fileProfile() async throws {
        let tools = HelperScripts()
        let tokenFile = tools.path("token")
        FileManager.default.createFile(
            atPath: tokenFile, contents: Data("file-token-0123456789\n".utf8), attributes: [.posixPermissions: 0o600])
        let harness = try await ReadyHelperHarness(extra: ["static-file": ["kind": "file", "path": tokenFile]])
        let result = try await harness.get("static-file", context: "background")
        #expect(ReadyHelperHarness.token(from: result) == "file-token-0123456789", "\(result.stderr)")
        chmod(tokenFile, 0o644)
        let refused = try await harness.get("static-file", context: "background")
        #expect(refused.status == 3)
        #expect(
            refused.stderr.contains("token store unreadable:") && refused.stderr.contains(tokenFile),
            "\(refused.stderr)")
    }

    @Test("configuration mistakes name the file, the profile and the key")
    func configurationErrors() async throws {
        let harness = try await ReadyHelperHarness(extra: ["typo": ["issuer": "https://idp.example", "clientID": "x"]])
        let result = try await harness.helper("typo", context: "background")
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("configuration error: ")
                && result.stderr.contains("profile \"typo\": unknown key \"clientID\" (did you mean \"clientId\"?)"),
            "\(result.stderr)")
    }
}
