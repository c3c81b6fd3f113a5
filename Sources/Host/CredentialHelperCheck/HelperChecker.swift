import CredentialHelperHost
import CredentialHelperProtocol

/// Runs a helper the way a host does, once per context, and reports every problem with a stable code
/// and a sentence saying how to fix it. Uses the host's own runner and parser, so what the checker
/// accepts is exactly what a host accepts.
public struct HelperChecker: Sendable {
    /// The configuration a host would use (timeout, custom headers, auth scheme); its helper path is
    /// the helper checked.
    public let configuration: HostConfiguration
    /// The contexts to run, in order.
    public let contexts: [HelperContext]
    /// The runner (its environment is what the helper sees).
    public let runner: HelperRunner
    /// The time a mid-session refresh allows; a silent path slower than this fails there.
    public let midSessionBudget: Duration
    /// Print tokens and secret header values in full.
    public let showSecrets: Bool
    /// The URL the token will be sent to, when known: an Entra token whose audience that host does
    /// not take is an error (``EntraAudienceRule``).
    public let endpoint: String?

    /// A checker.
    public init(
        configuration: HostConfiguration,
        contexts: [HelperContext] = HelperContext.allCases,
        runner: HelperRunner = HelperRunner(),
        midSessionBudget: Duration = HelperContext.midSessionRefreshTimeoutCap,
        showSecrets: Bool = false,
        endpoint: String? = nil
    ) {
        self.configuration = configuration
        self.contexts = contexts
        self.runner = runner
        self.midSessionBudget = midSessionBudget
        self.showSecrets = showSecrets
        self.endpoint = endpoint
    }

    /// Runs every context back to back and reports.
    public func check() async -> CheckReport {
        let path = configuration.helperPath
        do {
            try HelperPathCheck.validate(path)
        } catch {
            return CheckReport(helper: path, problems: [Self.pathProblem(error)], runs: [])
        }
        var runs: [CheckReport.ContextRun] = []
        var firstToken: (context: HelperContext, token: Secret)?
        for context in contexts {
            let run: HelperRun
            do {
                run = try await runner.run(
                    path, context: context, timeout: configuration.timeout(for: context), probeStdin: true)
            } catch {
                return CheckReport(helper: path, problems: [Self.pathProblem(error)], runs: runs)
            }
            var diagnosis = RunDiagnosis(
                run: run, configuration: configuration, midSessionBudget: midSessionBudget,
                searchPath: runner.environment["PATH"])
            diagnosis.diagnose()
            if let token = diagnosis.answer?.token {
                if context == .midSessionRefresh {
                    // The host says its credential was rejected: a new token is the right answer, and the
                    // one later runs should return.
                    firstToken = (context, token)
                } else if let first = firstToken, first.token != token {
                    diagnosis.add(
                        .checker(.inconsistentAnswers), .warning,
                        "the token differs from the one printed in the \(first.context) run earlier in this check, with "
                            + "nothing rejected in between (only mid-session-refresh asks for a new one); a host caches "
                            + "one answer per TTL, so make the silent path return the cached token until it nears expiry"
                    )
                } else if firstToken == nil {
                    firstToken = (context, token)
                }
            }
            if let endpoint, let token = diagnosis.answer?.token,
                case .refused(let message) = EntraAudienceRule.verdict(token: token, endpoint: endpoint)
            {
                diagnosis.add(.checker(.entraAudienceMismatch), .error, message)
            }
            runs.append(diagnosis.report(showSecrets: showSecrets))
        }
        return CheckReport(helper: path, problems: [], runs: runs)
    }

    static func pathProblem(_ error: HelperError) -> CheckProblem {
        let code = CheckProblem.Code.runCodes.contains(error.code) ? error.code : .spawnFailed
        return CheckProblem(.run(code), .error, error.message)
    }
}
