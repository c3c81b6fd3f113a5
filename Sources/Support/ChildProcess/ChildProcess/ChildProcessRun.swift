/// What one run of a child process produced. A non-zero exit, a timeout or oversized output are
/// results here, not errors: the caller decides what they mean.
public struct ChildProcessRun: Sendable, Hashable {
    /// How a run ended.
    public enum Outcome: Sendable, Hashable {
        /// The process exited with this status.
        case exited(Int32)
        /// The process was ended by this signal (not by the runner).
        case signaled(Int32)
        /// The process outlived its timeout; its process group was torn down.
        case timedOut
        /// The process wrote more than the cap on this stream; its process group was killed.
        case outputTooLarge(OutputStream)
        /// The task awaiting the run was cancelled; the process was torn down as on a timeout.
        case cancelled
        /// The process ended, but its exit status was collected by someone else: this process ignores
        /// `SIGCHLD` (`SIG_IGN` or `SA_NOCLDWAIT`: the kernel discards the status), or another part of
        /// it reaps every child. Whether the process succeeded cannot be known.
        case statusLost
    }

    /// A child's two output streams.
    public enum OutputStream: String, Sendable, Hashable {
        case stdout, stderr
    }

    /// How it ended.
    public var outcome: Outcome
    /// Everything read from stdout (at most the cap).
    public var stdout: [UInt8] = []
    /// Everything read from stderr (at most the cap).
    public var stderr: [UInt8] = []
    /// Wall time from the spawn to the end of reading.
    public var elapsed: Duration = .zero
    /// Whether a process the child started was still alive in its process group after it exited
    /// (for example an agent left holding stdout). The runner does not wait for it.
    public var leftBackgroundProcess = false
    /// With ``StandardInput/probe``: whether a process of the group was seen blocked reading stdin.
    public var readStdin = false

    /// A run record.
    public init(outcome: Outcome) {
        self.outcome = outcome
    }

    /// The outcome a `waitpid` status stands for.
    static func outcome(waitStatus status: Int32) -> Outcome {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}
