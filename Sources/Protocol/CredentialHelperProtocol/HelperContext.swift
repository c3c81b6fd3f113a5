/// Why the host runs the helper. The host passes it to the helper as `CLAUDE_HELPER_CONTEXT`.
///
/// Only ``interactive`` allows the helper to involve the user (open a browser, show a device code).
/// Every other context expects the silent path only, and a non-zero exit when it is exhausted.
public enum HelperContext: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The user started a session and is present. Interactive sign-in is acceptable.
    case interactive
    /// A running session's credential was rejected; the user is waiting on a turn. Silent path only,
    /// and the host clamps the timeout to ``HelperContext/midSessionRefreshTimeoutCap``.
    case midSessionRefresh = "mid-session-refresh"
    /// A scheduled task started with no user present.
    case scheduledTask = "scheduled-task"
    /// The setup UI's connection test. The host also sets `CLAUDE_HELPER_MANUAL_RUN=1` (legacy).
    case setupTest = "setup-test"
    /// A background probe or health check.
    case background

    /// The environment variable that carries the context to the helper.
    public static let environmentVariable = "CLAUDE_HELPER_CONTEXT"
    /// The legacy variable set to `1` only for ``setupTest``.
    public static let legacyManualRunVariable = "CLAUDE_HELPER_MANUAL_RUN"
    /// The most a `mid-session-refresh` run may take, whatever the configured timeout.
    public static let midSessionRefreshTimeoutCap: Duration = .seconds(20)

    /// Whether a helper may interact with the user in this context.
    public var allowsUserInteraction: Bool { self == .interactive }

    public var description: String { rawValue }

    /// Parses a context name, with an error that lists the valid values.
    public static func parse(_ text: String) throws(HelperContextError) -> HelperContext {
        guard let context = HelperContext(rawValue: text) else { throw HelperContextError(value: text) }
        return context
    }
}

/// A context name that is not one of the five the protocol defines.
public struct HelperContextError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rejected value.
    public let value: String

    /// An error for `value`.
    public init(value: String) { self.value = value }

    public var description: String {
        let valid = HelperContext.allCases.map(\.rawValue).joined(separator: ", ")
        return "\"\(value)\" is not a helper context; use one of: \(valid)"
    }
}
