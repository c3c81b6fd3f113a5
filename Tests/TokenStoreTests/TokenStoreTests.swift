import CredentialHelperProtocol
import TestSupport
import Testing
import TokenStore

#if canImport(Glibc)
    import Glibc
#endif

/// The ready-made helper's token store: file names from what changes the token, records that never
/// print a secret, 0600 files, and the lock that makes one process refresh for many.
@Suite("Token store")
struct TokenStoreTests {
    let folder = HelperScripts()

    @Test("store keys depend on what changes the token, not on scope order")
    func storeKeys() {
        let a = TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid", "x"], audience: nil)
        #expect(a == TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["x", "openid", "x"], audience: nil))
        #expect(a != TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid"], audience: nil))
        #expect(a != TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid", "x"], audience: "api"))
        #expect(a != TokenStoreKey(issuer: "https://i/", clientID: "c", scopes: ["openid", "x"], audience: nil))
        #expect(TokenStoreKey(parts: ["ab", "c"]) != TokenStoreKey(parts: ["a", "bc"]))
        #expect(a.digest.count == 64)
    }

    @Test("a stored record prints no secret")
    func recordRedacts() {
        let record = StoredTokens(
            accessToken: Secret("access-secret-0123456789"), refreshToken: Secret("refresh-secret-0123456789"),
            obtainedAt: 1, expiresAt: 2)
        let printed = "\(record) \(String(reflecting: record))"
        #expect(!printed.contains("access-secret-0123456789") && !printed.contains("refresh-secret-0123456789"))
    }

    @Test("a record round-trips through a 0600 file, and is removed")
    func roundTrip() throws {
        let store = TokenStore(directory: folder.path("tokens"))
        let key = TokenStoreKey(parts: ["test"])
        #expect(try store.read(key) == nil)
        var record = StoredTokens(
            accessToken: Secret("access-0123456789"), refreshToken: Secret("refresh-0123456789"), obtainedAt: 10,
            expiresAt: 3610)
        record.refreshRejectedAt = 20
        try store.write(record, for: key)
        var info = stat()
        stat(store.path(for: key), &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try store.read(key) == record)
        #expect(try store.remove(key))
        #expect(try store.read(key) == nil)
    }

    @Test("a corrupt record is an error naming the file and the fix, not a crash or a silent loss")
    func corruptRecord() throws {
        let store = TokenStore(directory: folder.subdirectory("corrupt", mode: 0o700))
        let key = TokenStoreKey(parts: ["corrupt"])
        folder.write("{not json", to: store.path(for: key), mode: 0o600)
        let error = #expect(throws: TokenStoreError.self) { try store.read(key) }
        #expect("\(error.map { "\($0)" } ?? "")".contains(store.path(for: key)))
    }

    @Test("the lock is held by one holder at a time; a second waits until its deadline")
    func lock() throws {
        let path = folder.path("profile.lock")
        var first = try FileLock.acquire(path, until: .now + .seconds(1))
        #expect(first != nil)
        let started = ContinuousClock.now
        #expect(try FileLock.acquire(path, until: .now + .milliseconds(300)) == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        first = nil  // released: the next holder gets it at once
        #expect(try FileLock.acquire(path, until: .now) != nil)
        withExtendedLifetime(first) {}
    }
}
