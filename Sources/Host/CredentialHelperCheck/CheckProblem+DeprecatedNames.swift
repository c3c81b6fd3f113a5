// The names `CheckProblem.Code` had when it re-listed the output parser's codes (0.11). Kept for
// one release so that code written against them keeps compiling, with a warning naming the new
// spelling; removed in 0.13.

extension CheckProblem.Code {
    @available(*, deprecated, message: "use .output(.emptyOutput)")
    public static var emptyOutput: Self { .output(.emptyOutput) }
    @available(*, deprecated, message: "use .output(.multipleLines)")
    public static var multipleLines: Self { .output(.multipleLines) }
    @available(*, deprecated, message: "use .output(.invalidJSON)")
    public static var invalidJSON: Self { .output(.invalidJSON) }
    @available(*, deprecated, message: "use .output(.notJSONObject)")
    public static var notJSONObject: Self { .output(.notJSONObject) }
    @available(*, deprecated, message: "use .output(.missingToken)")
    public static var missingToken: Self { .output(.missingToken) }
    @available(*, deprecated, message: "use .output(.tokenNotString)")
    public static var tokenNotString: Self { .output(.tokenNotString) }
    @available(*, deprecated, message: "use .output(.awsCredentialProcessFormat)")
    public static var awsCredentialProcessFormat: Self { .output(.awsCredentialProcessFormat) }
    @available(*, deprecated, message: "use .output(.headersNotObject)")
    public static var headersNotObject: Self { .output(.headersNotObject) }
    @available(*, deprecated, message: "use .output(.headerValueNotString)")
    public static var headerValueNotString: Self { .output(.headerValueNotString) }
    @available(*, deprecated, message: "use .output(.invalidHeaderName)")
    public static var invalidHeaderName: Self { .output(.invalidHeaderName) }
    @available(*, deprecated, message: "use .output(.invalidHeaderValue)")
    public static var invalidHeaderValue: Self { .output(.invalidHeaderValue) }
    @available(*, deprecated, message: "use .output(.headerValueControlCharacter)")
    public static var headerValueControlCharacter: Self { .output(.headerValueControlCharacter) }
    @available(*, deprecated, message: "use .output(.duplicateJSONKey)")
    public static var duplicateJSONKey: Self { .output(.duplicateJSONKey) }
    @available(*, deprecated, message: "use .output(.forbiddenHeader)")
    public static var forbiddenHeader: Self { .output(.forbiddenHeader) }
    @available(*, deprecated, message: "use .output(.tokenHasWhitespace)")
    public static var tokenHasWhitespace: Self { .output(.tokenHasWhitespace) }
    @available(*, deprecated, message: "use .output(.nonASCIIToken)")
    public static var nonASCIIToken: Self { .output(.nonASCIIToken) }
    @available(*, deprecated, message: "use .output(.outputTooLarge)")
    public static var outputTooLarge: Self { .output(.outputTooLarge) }
    @available(*, deprecated, message: "use .checker(.pathNotAbsolute)")
    public static var pathNotAbsolute: Self { .checker(.pathNotAbsolute) }
    @available(*, deprecated, message: "use .checker(.helperNotFound)")
    public static var helperNotFound: Self { .checker(.helperNotFound) }
    @available(*, deprecated, message: "use .checker(.notExecutable)")
    public static var notExecutable: Self { .checker(.notExecutable) }
    @available(*, deprecated, message: "use .checker(.unsafePermissions)")
    public static var unsafePermissions: Self { .checker(.unsafePermissions) }
    @available(*, deprecated, message: "use .checker(.spawnFailed)")
    public static var spawnFailed: Self { .checker(.spawnFailed) }
    @available(*, deprecated, message: "use .checker(.nonzeroExit)")
    public static var nonzeroExit: Self { .checker(.nonzeroExit) }
    @available(*, deprecated, message: "use .checker(.timeout)")
    public static var timeout: Self { .checker(.timeout) }
    @available(*, deprecated, message: "use .checker(.slowForContext)")
    public static var slowForContext: Self { .checker(.slowForContext) }
    @available(*, deprecated, message: "use .checker(.credentialHeaderCollision)")
    public static var credentialHeaderCollision: Self { .checker(.credentialHeaderCollision) }
    @available(*, deprecated, message: "use .checker(.unknownJSONKey)")
    public static var unknownJSONKey: Self { .checker(.unknownJSONKey) }
    @available(*, deprecated, message: "use .checker(.readsStdin)")
    public static var readsStdin: Self { .checker(.readsStdin) }
    @available(*, deprecated, message: "use .checker(.interactiveInSilentContext)")
    public static var interactiveInSilentContext: Self { .checker(.interactiveInSilentContext) }
    @available(*, deprecated, message: "use .checker(.leftBackgroundProcess)")
    public static var leftBackgroundProcess: Self { .checker(.leftBackgroundProcess) }
    @available(*, deprecated, message: "use .checker(.inconsistentAnswers)")
    public static var inconsistentAnswers: Self { .checker(.inconsistentAnswers) }
}
