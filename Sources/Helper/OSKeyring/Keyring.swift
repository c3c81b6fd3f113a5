import CredentialHelperProtocol

/// An operating-system keyring holding secrets by item name: the Secret Service on Linux
/// (``SecretServiceKeyring``), the Keychain on macOS (``KeychainKeyring``).
///
/// Items are credhelper's own: each is found by the service name `credhelper` and an item name (the
/// token store key's digest), so nothing else in the keyring is read or changed.
public protocol Keyring: Sendable {
    /// What the keyring is, for messages (`the Secret Service (secret-tool)`).
    var name: String { get }

    /// The secret stored under `item`, or nil when there is none.
    func secret(for item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Secret?

    /// Stores `secret` under `item`, replacing what was there. `label` is what a keyring manager shows.
    func store(_ secret: Secret, for item: String, label: String, until deadline: ContinuousClock.Instant)
        async throws(KeyringError)

    /// Deletes `item`. Returns whether there was one.
    func remove(_ item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Bool
}

/// The keyring of this operating system.
public enum SystemKeyring {
    /// The service name every credhelper item carries.
    public static let service = "credhelper"

    /// This system's keyring, reached with `environment` (on Linux: `PATH` to find `secret-tool`, and
    /// the D-Bus session the Secret Service runs on).
    public static func make(environment: [String: String]) -> any Keyring {
        #if canImport(Security)
            KeychainKeyring()
        #else
            SecretServiceKeyring(environment: environment)
        #endif
    }
}

/// Why the keyring could not be used.
public struct KeyringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// There is no keyring to talk to (nothing installed, no session bus, no Secret Service, or
        /// it is locked and cannot ask the user): fall back or fix the session.
        case unavailable
        /// The keyring answered with an error.
        case failed
        /// The secret is larger than this keyring can store (``SecretServiceKeyring/secretLimit``):
        /// store less, or keep it elsewhere.
        case tooLarge = "too-large"
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
