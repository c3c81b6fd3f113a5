import CredentialHelperProtocol

extension HelperRun {
    /// Interprets the run as a host does: exit 0 with a valid answer on stdout is a credential;
    /// everything else is a ``HelperError`` with the helper's last stderr line, redacted.
    public func answer(parser: HelperOutputParser = HelperOutputParser()) throws(HelperError) -> HelperAnswer {
        if case .exited(0) = outcome {
            do {
                return try parser.parse(stdout)
            } catch {
                var failure = HelperError(
                    .malformedOutput, "the helper's stdout breaks the protocol: \(error.message)",
                    stderrTail: lastStderrLine())
                failure.outputError = error
                throw failure
            }
        }
        let tail = lastStderrLine()
        switch outcome {
        case .timedOut:
            let seconds = timeout.components.seconds
            let clamp =
                context == .midSessionRefresh
                ? " (mid-session refreshes are limited to 20 s whatever the configured timeout)" : ""
            let advice =
                context == .interactive
                ? "in this context it may be signing the user in, which takes a person one to several minutes: "
                    + "raise inferenceCredentialHelperTimeoutSec to 300 (at most 600) so a sign-in can finish"
                : "make its silent path faster (cache the token, refresh it without prompting) or raise "
                    + "inferenceCredentialHelperTimeoutSec"
            throw HelperError(
                .timedOut,
                "the helper did not finish within \(seconds) s in context \(context)\(clamp) and was stopped; \(advice)",
                stderrTail: tail)
        case .cancelled:
            throw HelperError(
                .cancelled, "the helper run was cancelled by the host before it finished", stderrTail: tail)
        case .outputTooLarge(let stream):
            throw HelperError(
                .outputTooLarge,
                "the helper wrote more than \(HelperRunner.defaultOutputLimit / 1024) KiB to \(stream.rawValue) and "
                    + "was stopped; it must print one token (or one small JSON object) on stdout and keep "
                    + "diagnostics short",
                stderrTail: tail)
        case .statusLost:
            throw HelperError(
                .nonZeroExit,
                "the helper's exit status was lost, so its success cannot be confirmed: this process ignores "
                    + "SIGCHLD (SIG_IGN or SA_NOCLDWAIT) or something in it reaps every child; give SIGCHLD its "
                    + "default disposition in the host",
                stderrTail: tail)
        case .signaled(let signal):
            var error = HelperError(
                .nonZeroExit,
                "the helper was killed by signal \(signal) in context \(context); run it by hand with "
                    + "CLAUDE_HELPER_CONTEXT=\(context) to see why",
                stderrTail: tail)
            error.signal = signal
            throw error
        case .exited(let status):
            let reason =
                tail == nil
                ? " and printed nothing on stderr; make it print the reason on stderr"
                : "; its stderr says why"
            var error = HelperError(
                .nonZeroExit, "the helper exited with status \(status) in context \(context)\(reason)",
                stderrTail: tail)
            error.exitStatus = status
            throw error
        }
    }
}
