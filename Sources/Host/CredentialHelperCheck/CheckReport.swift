import CredentialHelperProtocol

/// What the checker found for one helper: the per-context runs and problems found before any run.
/// Encodes to the documented `--json` schema (docs/check.md).
public struct CheckReport: Sendable, Hashable, Codable {
    /// The helper's path as given.
    public let helper: String
    /// True when no run and no path check found an error.
    public let ok: Bool
    /// Problems found before running (path and permissions).
    public let problems: [CheckProblem]
    /// One entry per context run, in order.
    public let runs: [ContextRun]
    /// The credhelper version that checked (`CredhelperVersion.current`).
    public let version: String?

    /// One run of the helper in one context.
    public struct ContextRun: Sendable, Hashable, Codable {
        /// The context name.
        public let context: String
        /// True when this run found no error.
        public let ok: Bool
        /// The exit status, when the helper exited by itself.
        public let exitStatus: Int32?
        /// The signal that ended it, when one did (including the host's, after a timeout).
        public let signal: Int32?
        /// Wall time of the run.
        public let elapsedMs: Int
        /// The time limit a host gives this context.
        public let budgetMs: Int
        /// What stdout was taken as, when it was a valid answer.
        public let answer: Answer?
        /// The helper's last stderr lines, redacted.
        public let stderr: [String]
        /// What is wrong with this run.
        public let problems: [CheckProblem]
    }

    /// A valid answer, redacted unless secrets were asked for.
    public struct Answer: Sendable, Hashable, Codable {
        /// `bare-token` or `json-object`.
        public let format: String
        /// The token, redacted (first 4 characters).
        public let token: String
        /// The headers a host would send, merged, with secret values redacted.
        public let headers: [String: String]
        /// The number of headers the helper itself returned.
        public let helperHeaderCount: Int

        /// Creates an answer summary.
        public init(format: String, token: String, headers: [String: String], helperHeaderCount: Int) {
            self.format = format
            self.token = token
            self.headers = headers
            self.helperHeaderCount = helperHeaderCount
        }
    }

    /// Creates a report; `ok` is derived from the problems.
    public init(helper: String, problems: [CheckProblem], runs: [ContextRun]) {
        self.helper = helper
        self.problems = problems
        self.runs = runs
        self.ok = !problems.contains { $0.severity == .error } && runs.allSatisfy(\.ok)
        self.version = CredhelperVersion.current
    }

    /// Every problem with the context it came from (nil for path problems).
    public var allProblems: [(context: String?, problem: CheckProblem)] {
        problems.map { (nil, $0) } + runs.flatMap { run in run.problems.map { (run.context, $0) } }
    }
}
