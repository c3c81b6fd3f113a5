import CredentialHelperProtocol
import CredentialSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tokens on disk: one JSON file per key in a private directory (0700), each file 0600 and
/// replaced atomically (temp file, fsync, rename), so a reader sees the old or the new record and a
/// helper killed in the middle of a write leaves a readable store.
///
/// Reading needs no lock. A refresh holds the key's lock across read → check → refresh → write
/// (``withLock(_:named:until:unavailable:_:)``), so concurrent helpers cause one refresh and never lose a rotated
/// refresh token. A file that is corrupt or whose permissions were widened is reported, never
/// trusted or silently overwritten.
public struct TokenStore: Sendable {
    /// The store's directory.
    public let directory: String

    /// A store in `directory` (created 0700 on first write).
    public init(directory: String) {
        self.directory = directory
    }

    /// The default directory: `$CREDHELPER_STATE_DIR`, else `$XDG_STATE_HOME/credhelper/tokens`, else
    /// `~/.local/state/credhelper/tokens` (the home from ``HomeDirectory``). Nil when there is no home
    /// directory: never a shared temporary directory.
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let explicit = environment["CREDHELPER_STATE_DIR"], !explicit.isEmpty { return explicit }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/credhelper/tokens" }
        return HomeDirectory.path(environment: environment).map { $0 + "/.local/state/credhelper/tokens" }
    }

    /// The file holding `key`'s record.
    public func path(for key: TokenStoreKey) -> String { "\(directory)/\(key.digest).json" }

    /// The record for `key`, or nil when there is none.
    public func read(_ key: TokenStoreKey) throws(TokenStoreError) -> StoredTokens? {
        let path = path(for: key)
        let bytes: [UInt8]?
        do {
            bytes = try SecureFile.contents(of: path, role: "the token file", limit: 256 * 1024)
        } catch {
            throw TokenStoreError(.unreadable, path: path, error.description)
        }
        guard let bytes else { return nil }
        if let value = try? JSONValue.decode(bytes), let record = StoredTokens(storeRecord: value) { return record }
        do {
            return try JSONDecoder().decode(StoredTokens.self, from: Data(bytes))
        } catch {
            throw TokenStoreError(
                .corrupt, path: path,
                "\(path) is not a valid token record (\(Self.describe(error))); it was left as it is: "
                    + "remove it (credhelper logout) and sign in again")
        }
    }

    /// Replaces `key`'s record atomically.
    public func write(_ tokens: StoredTokens, for key: TokenStoreKey) throws(TokenStoreError) {
        let path = path(for: key)
        try ensureDirectory()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(tokens) } catch {
            throw TokenStoreError(.unwritable, path: path, "cannot encode the token record: \(error)")
        }
        do { try SecureFile.store(Array(data), at: path) } catch {
            throw TokenStoreError(.unwritable, path: path, error.description)
        }
    }

    /// Creates the store's directory (0700) or checks that it is private.
    private func ensureDirectory() throws(TokenStoreError) {
        do { try SecureFile.ensureDirectory(directory) } catch {
            throw TokenStoreError(.unwritable, path: directory, error.description)
        }
    }

    /// Deletes `key`'s record. Returns whether there was one.
    @discardableResult
    public func remove(_ key: TokenStoreKey) throws(TokenStoreError) -> Bool {
        let path = path(for: key)
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw TokenStoreError(.unwritable, path: path, "cannot remove \(path): \(String(cString: strerror(errno)))")
    }

    /// Runs `body` holding `key`'s lock (named `suffix`: `lock` for refreshes, `signin` for
    /// interactive sign-in), waiting for it until `deadline`. When the lock cannot be had (the
    /// directory is not private, or another process held it past the deadline: code
    /// ``TokenStoreError/Code/lockTimeout``), `unavailable` decides instead: it maps the error to the
    /// caller's, or answers without the lock. Both closures throw the caller's one error type.
    public func withLock<T, Failure: Error>(
        _ key: TokenStoreKey, named suffix: String = "lock", until deadline: ContinuousClock.Instant,
        unavailable: (TokenStoreError) async throws(Failure) -> T,
        _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let lockPath = "\(directory)/\(key.digest).\(suffix)"
        let lock: FileLock
        do throws(TokenStoreError) {
            try ensureDirectory()
            guard let acquired = try FileLock.acquire(lockPath, until: deadline) else {
                throw TokenStoreError(
                    .lockTimeout, path: lockPath,
                    "another credhelper process held \(lockPath) past the deadline; try again, or check for a "
                        + "stuck credhelper process")
            }
            lock = acquired
        } catch {
            return try await unavailable(error)
        }
        defer { withExtendedLifetime(lock) {} }
        return try await body()
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "not JSON"
        default: "unreadable"
        }
    }
}
