import ChildProcess
import CredentialHelperProtocol
import HelperFastPath
import TokenStore

/// An exec profile: runs another tool that prints a token (a cloud CLI's print-access-token
/// command), directly through the child-process layer (no shell), once ``TrustedExecutable`` trusts
/// it, with `CLAUDE_HELPER_CONTEXT` passed on, 64 KiB output caps and its own timeout, and keeps its answer in the token store so that
/// concurrent helpers run it once and a cached answer is reused while it covers the host TTL.
struct CommandSource {
    let profile: Profile
    let settings: Profile.ExecSettings
    let store: TokenStore
    let environment: [String: String]
    let now: @Sendable () -> Double

    var key: TokenStoreKey { settings.storeKey }

    func credential(context: HelperContext, notBefore: Double?, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> Secret
    {
        try await store.storedOrObtained(
            key, freshness: Freshness(profile: profile), now: now, notBefore: notBefore, until: deadline
        ) { () async throws(CredhelperFailure) -> StoredTokens in
            let token = try await runCommand(context: context, until: deadline)
            let obtainedAt = now()
            let lifetime = settings.tokenLifetime.map { Double($0.components.seconds) }
            return StoredTokens(accessToken: token, obtainedAt: obtainedAt, expiresAt: lifetime.map { obtainedAt + $0 })
        }
    }

    /// The cap on each of the tool's stdout and stderr.
    static let outputLimit = 64 * 1024

    /// The tool's environment: this helper's, with the context variables set for `context`.
    private func toolEnvironment(_ context: HelperContext) -> [String] {
        environment.filter { !HelperContext.isContextVariable($0.key) }.map { "\($0.key)=\($0.value)" }
            + context.environmentEntries
    }

    private func runCommand(context: HelperContext, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure)
        -> Secret
    {
        let tool = settings.command[0]
        let timeout = min(settings.timeout, max(deadline - ContinuousClock.now, .milliseconds(100)))
        if let problem = TrustedExecutable.problem(tool, role: "the exec command") {
            throw CredhelperFailure(.commandFailed, problem)
        }
        let run: ChildProcessRun
        do {
            run = try await ChildProcessRunner(
                outputLimit: Self.outputLimit, teardown: .gracefulShutDown(allowing: .seconds(1))
            ).run(
                tool, arguments: Array(settings.command.dropFirst()), environment: toolEnvironment(context),
                timeout: timeout)
        } catch {
            throw CredhelperFailure(.commandFailed, error.description)
        }
        if let failure = run.failureSentence(tool: tool, timeout: timeout, outputLimit: Self.outputLimit) {
            throw CredhelperFailure(.commandFailed, failure)
        }
        do {
            return try HelperOutputParser().parse(run.stdout).token
        } catch {
            throw CredhelperFailure(
                .commandFailed, "\(tool) printed something that is not a token: \(error.description)")
        }
    }
}
