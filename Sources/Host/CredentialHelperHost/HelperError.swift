import CredentialHelperProtocol

/// Why the host could not obtain a credential from the helper.
///
/// ``code`` says what kind of failure it was; ``description`` is a sentence a person can act on,
/// ending with the helper's last stderr line (redacted) when there is one.
public struct HelperError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure. Raw values are stable identifiers.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// `inferenceCredentialHelper` is not an absolute path.
        case pathNotAbsolute = "path-not-absolute"
        /// The helper file does not exist.
        case helperNotFound = "helper-not-found"
        /// The helper is not an executable regular file.
        case notExecutable = "not-executable"
        /// The helper file is group- or world-writable.
        case unsafePermissions = "unsafe-permissions"
        /// The operating system could not start the helper.
        case spawnFailed = "spawn-failed"
        /// The helper exited with a non-zero status, was killed by a signal, or its exit status was lost
        /// (`statusLost`, see `ChildProcessRun.Outcome`): no run that cannot be confirmed counts as a success.
        case nonZeroExit = "nonzero-exit"
        /// The helper did not finish within its timeout and was terminated.
        case timedOut = "timeout"
        /// The helper's stdout broke the protocol.
        case malformedOutput = "malformed-output"
        /// The helper wrote more than the 64 KiB cap on stdout or stderr.
        case outputTooLarge = "output-too-large"
        /// The host cancelled the run (its task was cancelled); the helper was stopped.
        case cancelled
        /// The input for a tool's stdin is over ``HelperRunner/inputLimit``; nothing was started.
        case inputTooLarge = "input-too-large"
    }

    /// What went wrong.
    public let code: Code
    /// The sentence describing the failure and the fix, without the stderr tail.
    public let message: String
    /// The helper's exit status, when it exited.
    public var exitStatus: Int32?
    /// The signal that ended the helper, when one did.
    public var signal: Int32?
    /// The helper's last non-empty stderr line, already redacted.
    public var stderrTail: String?
    /// The parser's error, for ``Code/malformedOutput``.
    public var outputError: HelperOutputError?
    /// When the provider is backing off after repeated failures: how long until it runs the helper again.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(_ code: Code, _ message: String, stderrTail: String? = nil) {
        self.code = code
        self.message = message
        self.stderrTail = stderrTail
    }

    public var description: String {
        var text = message
        if let stderrTail, !stderrTail.isEmpty { text += "\nhelper's last stderr line: \(stderrTail)" }
        if let retryAfter {
            let seconds = max(1, Int((Double(retryAfter.components.seconds) + 0.999).rounded(.down)))
            text += "\n(the helper failed repeatedly; it will run again in \(seconds) s)"
        }
        return text
    }
}
