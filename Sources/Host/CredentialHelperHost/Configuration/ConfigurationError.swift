/// Why a configuration could not be read: a config file that cannot be used or parsed, or a key
/// whose value the app would not accept. It is not a ``HelperError``: no helper has been run yet.
///
/// ``code`` says which kind; ``message`` is a sentence naming the file or key, where the value came
/// from, and what to do. Values that may be secrets (the gateway key, header values) are never in it.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of configuration error. Raw values are stable identifiers.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A config file cannot be used: missing, unreadable, too large, not a regular file, or not
        /// trusted (another user could change it, or it sits in a managed location with the wrong owner).
        case unusableFile = "unusable-file"
        /// A config file was read but what it holds is broken or ambiguous: bad syntax, the wrong
        /// shape, a key set twice, a `configLibrary` that applies nothing.
        case malformedFile = "malformed-file"
        /// A key has a value the app would not accept, or the helper is not set at all.
        case invalidValue = "invalid-value"
    }

    /// What went wrong.
    public let code: Code
    /// The sentence describing the error and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func unusable(_ message: String) -> ConfigurationError { ConfigurationError(.unusableFile, message) }
    static func malformed(_ message: String) -> ConfigurationError { ConfigurationError(.malformedFile, message) }
    static func invalid(_ message: String) -> ConfigurationError { ConfigurationError(.invalidValue, message) }
}
