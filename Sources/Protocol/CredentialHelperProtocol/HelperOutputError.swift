/// Why a helper's stdout is not a valid answer. Messages never contain the token or other output
/// verbatim: lines are shown redacted.
public struct HelperOutputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each way stdout can break docs/protocol.md §4. The raw values are stable identifiers.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case emptyOutput = "empty-output"
        case multipleLines = "multiple-lines"
        case invalidJSON = "invalid-json"
        case notJSONObject = "not-a-json-object"
        case missingToken = "missing-token"
        case tokenNotString = "token-not-string"
        case awsCredentialProcessFormat = "aws-credential-process-format"
        case headersNotObject = "headers-not-object"
        case headerValueNotString = "header-value-not-string"
        case invalidHeaderName = "invalid-header-name"
        case invalidHeaderValue = "invalid-header-value"
        case headerValueControlCharacter = "header-value-control-character"
        case duplicateJSONKey = "duplicate-json-key"
        case forbiddenHeader = "forbidden-header"
        case tokenHasWhitespace = "token-has-whitespace"
        case nonASCIIToken = "non-ascii-token"
        case outputTooLarge = "output-too-large"
    }

    /// What went wrong.
    public let code: Code
    /// A sentence saying what is wrong and how to fix it.
    public let message: String
    /// For ``Code/multipleLines``: every non-empty line, redacted.
    public let lines: [String]
    /// The header involved, for header errors.
    public let headerName: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, lines: [String] = [], headerName: String? = nil) {
        self.code = code
        self.message = message
        self.lines = lines
        self.headerName = headerName
    }

    public var description: String { message }
}
