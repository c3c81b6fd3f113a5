import ArgumentParser
import CredentialHelperHost

/// The documented exit statuses of `credhelper` host commands.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case usage = 2
    case helperFailed = 3
    case helperTimedOut = 4
    case protocolViolation = 5
    case helperNotStarted = 6

    /// The status for a helper error (a configuration error is ``usage``).
    public init(_ error: HelperError) {
        switch error.code {
        case .pathNotAbsolute: self = .usage
        case .nonZeroExit: self = .helperFailed
        case .timedOut, .cancelled: self = .helperTimedOut
        case .malformedOutput, .outputTooLarge: self = .protocolViolation
        case .helperNotFound, .notExecutable, .unsafePermissions, .spawnFailed, .inputTooLarge:
            self = .helperNotStarted
        }
    }

    /// The text for `--help`.
    static let helpText = """
        Exit status: 0 success; 2 usage or configuration error; 3 the helper exited non-zero; \
        4 the helper timed out; 5 the helper's output broke the protocol; 6 the helper could not be started.
        """

    var exitCode: ExitCode { ExitCode(rawValue) }
}
