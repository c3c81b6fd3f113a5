import TokenStore

/// Why the helper could not produce a credential: one line for stderr with a stable prefix that
/// hosts, scripts and people can rely on, and the fix.
public struct CredhelperFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; its raw value is the line's prefix.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No token can be obtained without the user; run `credhelper login`.
        case signInRequired = "sign-in required"
        /// The provider could not be reached or did not answer in time.
        case providerUnreachable = "identity provider unreachable"
        /// The provider rejected the stored refresh token.
        case refreshRejected = "refresh rejected by the identity provider"
        /// The provider refused a request for another reason.
        case providerError = "identity provider error"
        /// The token store file is corrupt, widened or unwritable.
        case tokenStoreUnreadable = "token store unreadable"
        /// The profiles file or a profile is wrong.
        case configuration = "configuration error"
        /// An interactive sign-in did not complete.
        case signInFailed = "sign-in failed"
        /// An exec profile's command failed.
        case commandFailed = "command failed"
        /// AWS STS refused the web identity or could not be reached (the detail names the role and
        /// what to check).
        case awsSTSError = "AWS STS error"

        /// Whether a new interactive sign-in fixes it: no stored sign-in, or a session the provider
        /// no longer refreshes (expired or revoked refresh token).
        public var isRecoverableBySignIn: Bool { self == .signInRequired || self == .refreshRejected }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and what to do, after the prefix.
    public let detail: String

    /// A failure.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The token store could not be used: its directory, a file or a lock (the error names the path
    /// and the fix).
    public static func tokenStore(_ error: TokenStoreError) -> CredhelperFailure {
        CredhelperFailure(.tokenStoreUnreadable, error.description)
    }

    /// For ``TokenStore/withLock(_:named:until:unavailable:_:)``: a lock that cannot be had fails
    /// the run as ``tokenStore(_:)``.
    public static func lockUnavailable<T>(_ error: TokenStoreError) throws(CredhelperFailure) -> T {
        throw .tokenStore(error)
    }

    /// The stderr line: `prefix: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }

    /// The exit status in helper mode: 2 for configuration errors, 1 otherwise.
    public var exitStatus: Int32 { code == .configuration ? 2 : 1 }

    /// The sign-in hint for `profile`.
    package static func loginCommand(_ profile: String) -> String { "run \"credhelper login --profile \(profile)\"" }
}
