/// One line of `credhelper doctor`: a stable code, how bad it is, what was found and the fix.
public struct DoctorFinding: Sendable, Hashable, Codable {
    /// How bad a finding is.
    public enum Level: String, Sendable, Hashable, Codable, Comparable {
        /// Checked and fine.
        case ok = "OK"
        /// Works, but not as intended (or not checkable now); the fix says what to change.
        case warn = "WARN"
        /// Credentials cannot be obtained this way; the fix says what to change.
        case fail = "FAIL"

        private var rank: Int { self == .ok ? 0 : self == .warn ? 1 : 2 }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// The profile checked.
    public var profile: String
    /// A stable code (docs/helper.md, "credhelper doctor"): `connection`, `discovery`, `ca`,
    /// `client-registration`, `redirect-uri`, `keyring`, `ttl-mismatch`, `token-lifetime`,
    /// `app-timeout`, `sign-in`, `refresh-rejected`.
    public var code: String
    /// How bad it is.
    public var level: Level
    /// What was found.
    public var detail: String
    /// What to do; nil for ``Level/ok``.
    public var fix: String?

    /// A finding.
    public init(profile: String, code: String, level: Level, detail: String, fix: String? = nil) {
        self.profile = profile
        self.code = code
        self.level = level
        self.detail = detail
        self.fix = fix
    }
}

/// What `credhelper doctor` knows of the app's configuration: the values it compares the profile with.
public struct DoctorAppSettings: Sendable, Hashable {
    /// `inferenceCredentialHelperTtlSec`.
    public var ttlSeconds: Int
    /// `inferenceCredentialHelperTimeoutSec`.
    public var timeoutSeconds: Int
    /// Where the values come from, for messages ("the app's defaults", a file).
    public var source: String

    /// Settings.
    public init(ttlSeconds: Int, timeoutSeconds: Int, source: String) {
        self.ttlSeconds = ttlSeconds
        self.timeoutSeconds = timeoutSeconds
        self.source = source
    }
}
