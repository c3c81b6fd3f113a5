import ChildProcess
import CredentialHelperProtocol

/// What one run of the helper produced. A non-zero exit, a timeout or oversized output are results
/// here, not errors: ``HelperRun/answer(parser:)`` decides what they mean for a host, and a checker
/// reports them.
public struct HelperRun: Sendable, Hashable {
    /// How the run ended: exited, signaled, timed out, output too large, or cancelled (the helper's
    /// process group was stopped in these three), or ended with its exit status lost.
    public typealias Outcome = ChildProcessRun.Outcome

    /// The helper's two output streams.
    public typealias OutputStream = ChildProcessRun.OutputStream

    /// The context the helper ran in.
    public let context: HelperContext
    /// The time limit the run had.
    public let timeout: Duration
    /// How it ended.
    public let outcome: Outcome
    /// Everything read from stdout (at most the cap).
    public let stdout: [UInt8]
    /// Everything read from stderr (at most the cap).
    public let stderr: [UInt8]
    /// Wall time from start to the end of reading.
    public let elapsed: Duration
    /// Whether a process the helper started was still alive in its process group after it exited
    /// (for example a credential agent left holding stdout). The host does not wait for it.
    public let leftBackgroundProcess: Bool
    /// Whether the helper was seen blocked reading stdin (only when run with stdin probing).
    public let readStdin: Bool

    /// Creates a run record.
    public init(
        context: HelperContext, timeout: Duration, outcome: Outcome, stdout: [UInt8], stderr: [UInt8],
        elapsed: Duration, leftBackgroundProcess: Bool, readStdin: Bool = false
    ) {
        self.context = context
        self.timeout = timeout
        self.outcome = outcome
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.leftBackgroundProcess = leftBackgroundProcess
        self.readStdin = readStdin
    }

    /// The last non-empty stderr line, redacted (known secrets and anything that looks like a credential).
    public func lastStderrLine(redactor: TextRedactor = TextRedactor()) -> String? {
        stderrLines(redactor: redactor).last
    }

    /// Every non-empty stderr line, redacted (a single word other than a plain one such as `Unauthorized`
    /// is redacted whole: it could be a token).
    public func stderrLines(redactor: TextRedactor = TextRedactor()) -> [String] {
        redactor.redactedLines(of: stderr)
    }
}
