/// One thing wrong with a helper, as the checker reports it.
public struct CheckProblem: Sendable, Hashable, Codable {
    /// How bad it is: an error makes a host fail; a warning works today but costs or risks something.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning
    }

    /// The stable problem codes. Raw values appear in `--json` output and never change meaning.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        case pathNotAbsolute = "path-not-absolute"
        case helperNotFound = "helper-not-found"
        case notExecutable = "not-executable"
        case unsafePermissions = "unsafe-permissions"
        case spawnFailed = "spawn-failed"
        case nonzeroExit = "nonzero-exit"
        case timeout
        case slowForContext = "slow-for-context"
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
        case credentialHeaderCollision = "credential-header-collision"
        case unknownJSONKey = "unknown-json-key"
        case tokenHasWhitespace = "token-has-whitespace"
        case nonASCIIToken = "non-ascii-token"
        case outputTooLarge = "output-too-large"
        case readsStdin = "reads-stdin"
        case interactiveInSilentContext = "interactive-in-silent-context"
        case leftBackgroundProcess = "left-background-process"
        case inconsistentAnswers = "inconsistent-answers"
    }

    /// What is wrong.
    public let code: Code
    /// Whether it breaks a host.
    public let severity: Severity
    /// A sentence saying what was seen and how to fix it. Never contains a secret.
    public let message: String

    /// Creates a problem.
    public init(_ code: Code, _ severity: Severity, _ message: String) {
        self.code = code
        self.severity = severity
        self.message = message
    }
}
