import Foundation
import Subprocess
import SystemPackage
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The output modes end to end: one profile and one store behind the inference helper, Claude Code's
/// `apiKeyHelper` (bare token) and the `headersHelper` / `otlpHeadersHelper` family (a JSON object of
/// headers), chosen by subcommand or by link name, against the real identity provider.
extension ReadyHelperTests {
    /// The usual profiles plus `team`: `corp`'s client and scopes (so the same stored token) with a
    /// header; and links `credhelper-token-corp`, `credhelper-headers-team`, `credhelper-headers`.
    static func modeHarness() async throws -> ReadyHelperHarness {
        let info = try await IdentityProvider.shared(.glewlwyd).info
        let team: [String: any Sendable] = [
            "issuer": info.issuer, "clientId": info.publicClient, "scopes": info.scopes,
            "redirectPort": info.redirectPort, "hostTtlSec": 600, "skewSec": 30, "headers": ["X-Org": "acme"],
        ]
        let harness = try await ReadyHelperHarness(extra: ["team": team])
        for link in [
            "credhelper-token-corp", "credhelper-headers-team", "credhelper-headers", "credhelper-corp@token",
            "credhelper-team@headers",
        ] {
            try FileManager.default.createSymbolicLink(
                atPath: harness.folder.path(link), withDestinationPath: BuiltBinary.path)
        }
        return harness
    }

    @Test("token and headers modes print the stored token in their consumers' formats, by subcommand and by link")
    func outputModesFromTheStore() async throws {
        let harness = try await Self.modeHarness()
        let token = try await harness.signIn()
        let grants = try await harness.idp.grantCounts()
        var environment = harness.environment
        environment["CREDHELPER_PROFILE"] = "corp"

        for arguments in [["token"], ["token", "--profile", "corp"]] {
            let result = try await BuiltBinary.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let same = result.stdout == token + "\n"
            #expect(same, "credhelper \(arguments) did not print the stored token alone on one line")
        }
        let link = try await Self.run(harness.folder.path("credhelper-token-corp"), environment: harness.environment)
        let sameFromLink = link.stdout == token + "\n"
        #expect(link.status == 0 && sameFromLink, "credhelper-token-corp: \(link.stderr)")
        let atLink = try await Self.run(harness.folder.path("credhelper-corp@token"), environment: harness.environment)
        let sameFromAtLink = atLink.stdout == token + "\n"
        #expect(atLink.status == 0 && sameFromAtLink, "credhelper-corp@token: \(atLink.stderr)")

        let expectedTeam = ["Authorization": "Bearer " + token, "X-Org": "acme"]
        let teamRuns = [
            try await BuiltBinary.run(["headers", "--profile", "team"], environment: harness.environment),
            try await Self.run(harness.folder.path("credhelper-headers-team"), environment: harness.environment),
            try await Self.run(harness.folder.path("credhelper-team@headers"), environment: harness.environment),
        ]
        for result in teamRuns {
            #expect(result.status == 0, "\(result.stderr)")
            let same = Self.headers(result.stdout) == expectedTeam
            #expect(same, "the headers mode did not print {Authorization: Bearer <stored token>, X-Org: acme}")
        }
        let defaultLink = try await Self.run(
            harness.folder.path("credhelper-headers"), environment: harness.environment)
        let sameDefault = Self.headers(defaultLink.stdout) == ["Authorization": "Bearer " + token]
        #expect(defaultLink.status == 0 && sameDefault, "credhelper-headers (default profile): \(defaultLink.stderr)")
        #expect(try await harness.idp.grantCounts() == grants, "a cached token caused a request to the provider")
    }

    @Test("with no context (apiKeyHelper), the token mode stays silent and signs in only with --interactive")
    func tokenModeContextRules() async throws {
        let harness = try await Self.modeHarness()
        let marker = harness.folder.path("browser-opened")
        let browser = harness.folder.script("browser.sh", "touch '\(marker)'")
        var silentEnvironment = harness.environment
        silentEnvironment["CREDHELPER_BROWSER"] = browser
        let silent = try await BuiltBinary.run(["token", "--profile", "corp"], environment: silentEnvironment)
        #expect(silent.status == 1 && silent.stdout.isEmpty, "\(silent.stdout) \(silent.stderr)")
        #expect(silent.stderr.hasPrefix("sign-in required: "), "\(silent.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: marker), "a run with no context and no terminal opened a browser")

        let codes = try await harness.idp.grantCounts()["code", default: 0]
        let interactive = try await BuiltBinary.run(
            ["token", "--profile", "corp", "--interactive"], environment: harness.environment)
        #expect(interactive.status == 0, "\(interactive.stderr)")
        #expect(try await harness.idp.grantCounts()["code", default: 0] == codes + 1, "--interactive did not sign in")
        let record = try #require(try harness.record())
        let printed = interactive.stdout == record.accessToken.reveal() + "\n"
        #expect(printed, "--interactive did not print the token it signed in for")
    }

    @Test("a link or subcommand naming no mode and no profile says which modes exist")
    func unknownMode() async throws {
        let harness = try await Self.modeHarness()
        try FileManager.default.createSymbolicLink(
            atPath: harness.folder.path("credhelper-tokne-corp"), withDestinationPath: BuiltBinary.path)
        let result = try await Self.run(harness.folder.path("credhelper-tokne-corp"), environment: harness.environment)
        #expect(result.status == 2 && result.stdout.isEmpty)
        #expect(
            result.stderr.hasPrefix("configuration error: ") && result.stderr.contains("\"tokne-corp\"")
                && result.stderr.contains("credhelper-PROFILE@MODE") && result.stderr.contains("token, headers"),
            "\(result.stderr)")
    }

    @Test("50 concurrent consumers in mixed output modes with an expired token make one refresh")
    func fiftyMixedModesOneRefresh() async throws {
        let harness = try await Self.modeHarness()
        _ = try await harness.signIn()
        try harness.expireStoredToken()
        let before = try await harness.idp.grantCounts()["refresh_token", default: 0]
        var inference = harness.environment
        inference["CLAUDE_HELPER_CONTEXT"] = "background"
        inference["CREDHELPER_PROFILE"] = "corp"
        let environment = harness.environment
        let inferenceEnvironment = inference
        let tokenLink = harness.folder.path("credhelper-token-corp")
        let headersLink = harness.folder.path("credhelper-headers-team")
        let results = try await withThrowingTaskGroup(of: (Int, BuiltBinary.Result).self) { group in
            for index in 0..<50 {
                group.addTask {
                    switch index % 5 {
                    case 0: (0, try await BuiltBinary.run([], environment: inferenceEnvironment))
                    case 1: (1, try await BuiltBinary.run(["token", "--profile", "corp"], environment: environment))
                    case 2: (2, try await BuiltBinary.run(["headers", "--profile", "team"], environment: environment))
                    case 3: (1, try await Self.run(tokenLink, environment: environment))
                    default: (2, try await Self.run(headersLink, environment: environment))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.1.status == 0 }, "\(results.filter { $0.1.status != 0 }.map(\.1.stderr))")
        let tokens = Set(
            results.map { kind, result -> String in
                switch kind {
                case 0, 1: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                default: String((Self.headers(result.stdout)?["Authorization"] ?? "").dropFirst("Bearer ".count))
                }
            })
        #expect(tokens.count == 1, "the consumers printed \(tokens.count) different tokens")
        #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == before + 1)
        let record = try #require(try harness.record())
        let stored = tokens.first == record.accessToken.reveal()
        #expect(stored, "the consumers printed a token that is not the stored one")
    }

    /// The JSON object of string headers in `stdout`, or nil.
    static func headers(_ stdout: String) -> [String: String]? {
        try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: String]
    }

    /// Runs `executable` (a link to the built binary) with no arguments, as a host that allows none
    /// does: nothing inherited but PATH, stdin not a terminal.
    static func run(_ executable: String, environment: [String: String]) async throws -> BuiltBinary.Result {
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: [],
            environment: .custom(
                env.reduce(into: [:]) { result, entry in
                    if let key = Environment.Key(rawValue: entry.key) { result[key] = entry.value }
                }),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return BuiltBinary.Result(
            status: status, stdout: result.standardOutput, stderr: result.standardError)
    }
}
