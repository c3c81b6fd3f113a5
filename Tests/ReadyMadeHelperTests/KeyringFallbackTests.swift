import CredentialHelperProtocol
import HelperFastPath
import OSKeyring
import Synchronization
import TestSupport
import Testing
import TokenStore

@testable import ReadyMadeHelper

/// A keyring in memory: what a profile's tokens do with a keyring that works, refuses, or is full,
/// without a Secret Service. The real keyring (GNOME Keyring on a private D-Bus session) is tested in
/// OSKeyringTests and the CLI's ReadyHelperKeyringTests.
final class MemoryKeyring: Keyring {
    /// How the keyring answers.
    enum Mode {
        case working
        /// Every call fails as a keyring that is not there.
        case unavailable
        /// Stores at most this many bytes, like secret-tool's 8 KiB.
        case limited(Int)
    }

    let mode: Mode
    private let items = Mutex<[String: Secret]>([:])

    init(_ mode: Mode = .working) { self.mode = mode }

    var name: String { "the test keyring" }
    var count: Int { items.withLock { $0.count } }

    func secret(for item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Secret? {
        if case .unavailable = mode { throw KeyringError(.unavailable, "no keyring in this session") }
        return items.withLock { $0[item] }
    }

    func store(_ secret: Secret, for item: String, label: String, until deadline: ContinuousClock.Instant)
        async throws(KeyringError)
    {
        switch mode {
        case .unavailable: throw KeyringError(.unavailable, "no keyring in this session")
        case .limited(let limit) where secret.reveal().utf8.count > limit:
            throw KeyringError(.tooLarge, "the secret is over \(limit) bytes")
        default: items.withLock { $0[item] = secret }
        }
    }

    func remove(_ item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Bool {
        if case .unavailable = mode { throw KeyringError(.unavailable, "no keyring in this session") }
        return items.withLock { $0.removeValue(forKey: item) != nil }
    }
}

@Suite("Keyring-or-file rules, with the keyring injected")
struct KeyringFallbackTests {
    let folder = HelperScripts()
    let key = TokenStoreKey(issuer: "https://idp.example", clientID: "app", scopes: ["openid"], audience: nil)
    let deadline = ContinuousClock.now + .seconds(5)
    let record = StoredTokens(
        accessToken: Secret("access-0123456789"), refreshToken: Secret("refresh-0123456789"),
        idToken: Secret("id-0123456789"), obtainedAt: 1000, expiresAt: 4600)

    func tokens(_ storage: Profile.TokenStorage, _ keyring: MemoryKeyring, warned: Lines = Lines()) -> ProfileTokens {
        ProfileTokens(
            store: TokenStore(directory: folder.path("tokens")), key: key, storage: storage, keyring: keyring,
            profileName: "corp", warn: { warned.append($0) })
    }

    @Test("keyring storage: the refresh and ID tokens go to the keyring, the file keeps neither, reads join them")
    func keyringHoldsSecrets() async throws {
        let keyring = MemoryKeyring()
        let tokens = tokens(.keyring, keyring)
        try await tokens.write(record, until: deadline)
        let file = try #require(try tokens.read())
        #expect(file.refreshToken == nil && file.idToken == nil, "a secret stayed in the token file")
        #expect(file.inKeyring == StoredTokens.KeyringShare(refreshToken: true, idToken: true))
        #expect(keyring.count == 1)
        let joined = try #require(try await tokens.readWithSecrets(until: deadline))
        let same = joined.refreshToken == record.refreshToken && joined.idToken == record.idToken
        #expect(same, "the tokens read back are not the ones stored")
    }

    @Test("file storage never touches the keyring")
    func fileStorage() async throws {
        let keyring = MemoryKeyring(.unavailable)
        let tokens = tokens(.file, keyring)
        try await tokens.write(record, until: deadline)
        let file = try #require(try tokens.read())
        let kept = file.refreshToken == record.refreshToken
        #expect(kept && file.inKeyring == nil, "the refresh token is not in the file")
    }

    @Test("keyring-or-file without a keyring: everything in the 0600 file, with a warning")
    func fallbackToFile() async throws {
        let warned = Lines()
        let tokens = tokens(.keyringOrFile, MemoryKeyring(.unavailable), warned: warned)
        try await tokens.write(record, until: deadline)
        let file = try #require(try tokens.read())
        let kept = file.refreshToken == record.refreshToken && file.idToken == record.idToken
        #expect(kept && file.inKeyring == nil, "the file does not hold the tokens")
        #expect(warned.all.count == 1 && warned.all[0].contains("keyring-or-file"), "\(warned.all)")
    }

    @Test("keyring storage without a keyring: a sign-in fails, naming the fallback setting, and stores nothing")
    func keyringRequiredFails() async throws {
        let tokens = tokens(.keyring, MemoryKeyring(.unavailable))
        let error = await #expect(throws: CredhelperFailure.self) { try await tokens.write(record, until: deadline) }
        #expect(error?.code == .tokenStoreUnreadable)
        #expect(error.map { "\($0)" }?.contains("\"tokenStorage\": \"keyring-or-file\"") == true)
        #expect(try tokens.read() == nil, "something was stored")
    }

    @Test("keyring storage without a keyring on refresh: the access token is kept alone, with a warning")
    func refreshKeepsAccessTokenOnly() async throws {
        let warned = Lines()
        let tokens = tokens(.keyring, MemoryKeyring(.unavailable), warned: warned)
        try await tokens.write(record, onRefusal: .keepAccessTokenOnly, until: deadline)
        let file = try #require(try tokens.read())
        let access = file.accessToken == record.accessToken
        #expect(access && file.refreshToken == nil && file.idToken == nil && file.inKeyring == nil)
        #expect(warned.all.count == 1 && warned.all[0].contains("last one"), "\(warned.all)")
    }

    @Test("a keyring too small for both: the refresh token goes alone, the ID token stays in the file")
    func tooLargeKeepsIDTokenInFile() async throws {
        var big = record
        big.idToken = Secret(String(repeating: "i", count: 400))
        let tokens = tokens(.keyring, MemoryKeyring(.limited(200)))
        try await tokens.write(big, until: deadline)
        let file = try #require(try tokens.read())
        #expect(file.inKeyring == StoredTokens.KeyringShare(refreshToken: true, idToken: false))
        let split = file.refreshToken == nil && file.idToken == big.idToken
        #expect(split, "the refresh token is in the file, or the ID token is not")
    }

    @Test("a keyring item removed outside credhelper: a warning, and the record without the refresh token")
    func itemMissing() async throws {
        let keyring = MemoryKeyring()
        let warned = Lines()
        let tokens = tokens(.keyring, keyring, warned: warned)
        try await tokens.write(record, until: deadline)
        _ = try await keyring.remove(key.digest, until: deadline)
        let joined = try #require(try await tokens.readWithSecrets(until: deadline))
        #expect(joined.refreshToken == nil && joined.inKeyring == nil && !joined.hasRefreshToken)
        #expect(warned.all.count == 1 && warned.all[0].contains("has no tokens"), "\(warned.all)")
    }

    @Test("sign-out: an unreachable keyring fails only when the record says it holds tokens there")
    func removeRules() async throws {
        let fileOnly = tokens(.keyringOrFile, MemoryKeyring(.unavailable))
        try await fileOnly.write(record, until: deadline)
        #expect(try await fileOnly.remove(until: deadline), "the file record was not removed")

        let keyring = MemoryKeyring()
        try await tokens(.keyring, keyring).write(record, until: deadline)
        let cutOff = tokens(.keyring, MemoryKeyring(.unavailable))
        await #expect(throws: CredhelperFailure.self) { _ = try await cutOff.remove(until: deadline) }
        #expect(try await tokens(.keyring, keyring).remove(until: deadline))
        #expect(keyring.count == 0, "the keyring item was left behind")
    }
}
