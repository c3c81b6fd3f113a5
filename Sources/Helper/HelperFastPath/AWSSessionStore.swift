import AWSSigning
import CredentialHelperProtocol
import CredentialSupport
import TokenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the store keeps for a profile's AWS role: the temporary credentials STS issued, and for whom.
public struct AWSSessionRecord: Sendable, Hashable, Codable {
    /// The credentials (their secret key and session token are written only to this 0600 file).
    public var credentials: AWSSessionCredentials
    /// When STS issued them (seconds since 1970).
    public var obtainedAt: Double
    /// The role they belong to (nil: credentials a `credential_process` printed).
    public var roleARN: String?
    /// The role session name they were issued under (nil: credentials a `credential_process` printed).
    public var sessionName: String?

    /// A record.
    public init(credentials: AWSSessionCredentials, obtainedAt: Double, roleARN: String?, sessionName: String?) {
        self.credentials = credentials
        self.obtainedAt = obtainedAt
        self.roleARN = roleARN
        self.sessionName = sessionName
    }

    /// Whether the credentials are good enough to hand out at `now`: they last at least the refresh
    /// margin (``refreshMargin(profile:aws:)``) longer.
    public func isFresh(profile: Profile, aws: Profile.AWSSettings, now: Double) -> Bool {
        isFresh(margin: Self.refreshMargin(profile: profile, aws: aws), now: now)
    }

    /// Whether the credentials last at least `margin` seconds past `now` (credentials without an
    /// expiration always do).
    public func isFresh(margin: Double, now: Double) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return expiration - now >= margin
    }

    /// How long before their expiration credentials are replaced: 15 minutes (when AWS SDKs start
    /// refreshing credentials themselves), or the host TTL when that is longer and the session long
    /// enough for it (at most half the session), plus the profile's skew.
    public static func refreshMargin(profile: Profile, aws: Profile.AWSSettings) -> Double {
        let hostTTL = Double(profile.hostTTL.components.seconds)
        return max(900, min(hostTTL, Double(aws.duration) / 2)) + Double(profile.skew.components.seconds)
    }
}

extension AWSSessionRecord {
    /// The record in `value`, read as the synthesized `Decodable` conformance reads it (unknown keys
    /// ignored, a missing or null optional is nil), or nil when that conformance might read it
    /// otherwise: ``AWSSessionStore/read()`` then lets `JSONDecoder` decide.
    init?(storeRecord value: JSONValue) {
        guard case .object(let fields) = value, case .number(let obtainedAt)? = fields["obtainedAt"],
            case .object(let keys)? = fields["credentials"], case .string(let keyID)? = keys["accessKeyID"],
            case .string(let secret)? = keys["secretAccessKey"],
            let token = Self.optional(keys["sessionToken"], { if case .string(let text) = $0 { text } else { nil } }),
            let expiration = Self.optional(
                keys["expiration"], { if case .number(let time) = $0 { time } else { nil } }),
            let role = Self.optional(fields["roleARN"], { if case .string(let text) = $0 { text } else { nil } }),
            let session = Self.optional(fields["sessionName"], { if case .string(let text) = $0 { text } else { nil } })
        else { return nil }
        self.init(
            credentials: AWSSessionCredentials(
                accessKeyID: keyID, secretAccessKey: Secret(secret), sessionToken: token.map(Secret.init),
                expiration: expiration),
            obtainedAt: obtainedAt, roleARN: role, sessionName: session)
    }

    /// `.some(nil)` for a missing or null field, `.some(value)` for one of the expected type, nil
    /// (not readable here) for any other.
    private static func optional<T>(_ field: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        guard let field, field != .null else { return .some(nil) }
        return read(field).map { .some($0) }
    }
}

/// The AWS session records, in the token store's private directory: one 0600 file per role and
/// sign-in (`KEY.aws.json`), replaced atomically; writes happen under the store's lock for that key.
public struct AWSSessionStore: Sendable {
    /// The token store whose directory and locks are used.
    public let store: TokenStore
    /// The record's key (``Profile/OAuthSettings/awsStoreKey(_:)``).
    public let key: TokenStoreKey

    /// The store of `key`'s record.
    public init(store: TokenStore, key: TokenStoreKey) {
        self.store = store
        self.key = key
    }

    /// The record's file.
    public var path: String { "\(store.directory)/\(key.digest).aws.json" }

    /// The record, or nil when there is none.
    public func read() throws(CredhelperFailure) -> AWSSessionRecord? {
        let bytes: [UInt8]?
        do { bytes = try SecureFile.contents(of: path, role: "the AWS session file", limit: 64 * 1024) } catch {
            throw CredhelperFailure(.tokenStoreUnreadable, error.description)
        }
        guard let bytes else { return nil }
        // Codable is slow on its first use in a process: the cached path reads the record itself.
        if let value = try? JSONValue.decode(bytes), let record = AWSSessionRecord(storeRecord: value) {
            return record
        }
        do { return try JSONDecoder().decode(AWSSessionRecord.self, from: Data(bytes)) } catch {
            throw CredhelperFailure(
                .tokenStoreUnreadable, "\(path) is not a valid AWS session record; remove it and try again")
        }
    }

    /// Deletes the record; true when there was one.
    @discardableResult
    public func remove() throws(CredhelperFailure) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw CredhelperFailure(.tokenStoreUnreadable, "cannot remove \(path): \(String(cString: strerror(errno)))")
    }

    /// Replaces the record atomically (0600 file in the 0700 directory).
    public func write(_ record: AWSSessionRecord) throws(CredhelperFailure) {
        do {
            try SecureFile.ensureDirectory(store.directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try SecureFile.store(Array(try encoder.encode(record)), at: path)
        } catch let error as SecureFile.Failure {
            throw CredhelperFailure(.tokenStoreUnreadable, error.description)
        } catch {
            throw CredhelperFailure(.tokenStoreUnreadable, "cannot encode the AWS session record: \(error)")
        }
    }
}
