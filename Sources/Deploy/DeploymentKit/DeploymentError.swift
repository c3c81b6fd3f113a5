/// Why `credhelper config write` wrote nothing: a stable ``code`` and a sentence saying what was
/// wrong and what to do.
public struct DeploymentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure. Raw values are stable identifiers.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The answers file cannot be read or is not a JSON object.
        case answersUnreadable = "answers-unreadable"
        /// An answer is missing, unknown or has a value the app or the helper would refuse.
        case invalidAnswer = "invalid-answer"
        /// The machine-wide profiles file built from the answers does not pass the helper's reader.
        case invalidProfiles = "invalid-profiles"
        /// The app configuration built from the answers does not pass the host's reader.
        case invalidConfiguration = "invalid-configuration"
        /// A file could not be written.
        case writeFailed = "write-failed"
    }

    /// What went wrong.
    public let code: Code
    /// The sentence describing the problem and the fix.
    public let message: String

    /// An error with `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
