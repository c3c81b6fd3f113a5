import ChildProcess
import CredentialHelperProtocol

extension ChildProcessRun {
    /// Why the run of a tool credhelper started (an `exec` command, a `credential_process`) cannot be
    /// used, as a sentence that names `tool` and ends with its last stderr line (redacted), or nil
    /// when it exited 0. `timeoutAdvice` follows the timeout's sentence.
    func failureSentence(tool: String, timeout: Duration, outputLimit: Int, timeoutAdvice: String = "") -> String? {
        let lastLine = TextRedactor().redactedLines(of: stderr).last.map { ": \($0)" } ?? ""
        switch outcome {
        case .exited(0): return nil
        case .exited(let status): return "\(tool) exited with status \(status)\(lastLine)"
        case .signaled(let signal): return "\(tool) was killed by signal \(signal)\(lastLine)"
        case .timedOut: return "\(tool) did not finish within \(timeout)\(timeoutAdvice)"
        case .outputTooLarge: return "\(tool) printed more than \(outputLimit / 1024) KiB"
        case .cancelled: return "\(tool) was cancelled"
        case .statusLost: return "\(tool)'s exit status was lost (this process ignores SIGCHLD)\(lastLine)"
        }
    }
}
