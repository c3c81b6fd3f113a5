/// A problem with the token store, as a sentence that names the file and the fix.
public struct TokenStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable, Hashable {
        /// The file or directory cannot be read, or its permissions were widened.
        case unreadable = "unreadable"
        /// The file is not a valid token record.
        case corrupt = "corrupt"
        /// The file could not be written.
        case unwritable = "unwritable"
        /// Another process held the profile's lock past the deadline.
        case lockTimeout = "lock-timeout"
    }

    /// What kind of problem it is.
    public let code: Code
    /// The file concerned.
    public let path: String
    /// What went wrong and what to do, naming the file.
    public let description: String

    init(_ code: Code, path: String, _ description: String) {
        self.code = code
        self.path = path
        self.description = description
    }
}
