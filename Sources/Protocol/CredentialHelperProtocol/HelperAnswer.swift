/// What a helper answered: the token and the per-request headers it asked for.
public struct HelperAnswer: Sendable, Hashable {
    /// How the helper wrote its answer on stdout.
    public enum Format: Sendable, Hashable {
        /// The whole trimmed stdout was the token.
        case bareToken
        /// A JSON object with `token` and optional `headers`.
        case jsonObject
    }

    /// The credential.
    public let token: Secret
    /// Headers the helper asked for, merged over the custom headers by the host.
    public let headers: HeaderList
    /// How the answer was written.
    public let format: Format
    /// Top-level JSON keys other than `token` and `headers`; ignored by a host, reported by a checker.
    public let unknownKeys: [String]

    /// Creates an answer.
    public init(token: Secret, headers: HeaderList = HeaderList(), format: Format, unknownKeys: [String] = []) {
        self.token = token
        self.headers = headers
        self.format = format
        self.unknownKeys = unknownKeys
    }
}
