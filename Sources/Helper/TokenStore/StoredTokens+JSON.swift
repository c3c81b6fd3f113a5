import CredentialHelperProtocol

extension StoredTokens {
    /// The record in `value`, read the way the synthesized `Decodable` conformance reads it (unknown
    /// keys ignored, a missing or null optional is nil), or nil when `value` is anything that
    /// conformance might read otherwise: ``TokenStore/read(_:)`` then lets `JSONDecoder` decide. This
    /// keeps `Codable` (slow on its first use in a process) off the cached path.
    init?(storeRecord value: JSONValue) {
        guard case .object(let fields) = value, case .string(let access)? = fields["accessToken"],
            case .number(let obtainedAt)? = fields["obtainedAt"]
        else { return nil }
        self.init(accessToken: Secret(access), obtainedAt: obtainedAt, expiresAt: nil)
        guard let refresh = Self.optional(fields["refreshToken"], \.string),
            let id = Self.optional(fields["idToken"], \.string),
            let expiresAt = Self.optional(fields["expiresAt"], \.number),
            let scope = Self.optional(fields["scope"], \.string),
            let subject = Self.optional(fields["subject"], \.string),
            let displayName = Self.optional(fields["displayName"], \.string),
            let warned = Self.optional(fields["shortLifetimeWarned"], \.bool),
            let rejectedAt = Self.optional(fields["refreshRejectedAt"], \.number),
            let share = Self.optional(fields["inKeyring"], \.keyringShare)
        else { return nil }
        (refreshToken, idToken) = (refresh.map(Secret.init), id.map(Secret.init))
        (self.expiresAt, self.scope, self.subject, self.displayName) = (expiresAt, scope, subject, displayName)
        (shortLifetimeWarned, refreshRejectedAt, inKeyring) = (warned, rejectedAt, share)
    }

    /// `.some(nil)` for a missing or null field, `.some(value)` for one of the expected type, nil
    /// (not readable here) for any other.
    private static func optional<T>(_ field: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        guard let field, field != .null else { return .some(nil) }
        return read(field).map { .some($0) }
    }
}

extension JSONValue {
    fileprivate var string: String? { if case .string(let text) = self { text } else { nil } }
    fileprivate var number: Double? { if case .number(let number) = self { number } else { nil } }
    fileprivate var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }
    fileprivate var keyringShare: StoredTokens.KeyringShare? {
        guard case .object(let fields) = self, case .bool(let refresh)? = fields["refreshToken"],
            case .bool(let id)? = fields["idToken"]
        else { return nil }
        return StoredTokens.KeyringShare(refreshToken: refresh, idToken: id)
    }
}
