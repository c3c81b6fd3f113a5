import CredentialHelperProtocol
import HelperFastPath
import OSKeyring
import Synchronization
import TestSupport
import Testing
import TokenStore

@testable import ReadyMadeHelper

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A keyring in memory that calls `afterStore` once a secret is stored: the test's view of a helper
/// killed between the keyring write and the token-file write.
private final class SnapshotKeyring: Keyring {
    let items = Mutex<[String: Secret]>([:])
    let afterStore: @Sendable () -> Void

    init(afterStore: @escaping @Sendable () -> Void) { self.afterStore = afterStore }

    var name: String { "the test keyring" }

    func secret(for item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Secret? {
        items.withLock { $0[item] }
    }

    func store(_ secret: Secret, for item: String, label: String, until deadline: ContinuousClock.Instant)
        async throws(KeyringError)
    {
        items.withLock { $0[item] = secret }
        afterStore()
    }

    func remove(_ item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Bool {
        items.withLock { $0.removeValue(forKey: item) != nil }
    }
}

@Suite("Profile tokens moving from the token file to the keyring")
struct KeyringTransitionTests {
    let folder = HelperScripts()

    @Test(
        "a refresh killed between the keyring write and the file write keeps the rotated refresh token, when the old record kept it in the file",
        arguments: [Profile.TokenStorage.keyring, .keyringOrFile])
    func killBetweenKeyringAndFile(storage: Profile.TokenStorage) async throws {
        let key = TokenStoreKey(parts: ["oauth", "https://idp.example", "client", "openid", ""])
        let store = TokenStore(directory: folder.path("tokens"))
        // The old record keeps its refresh token in the file (written with file storage, or by a
        // keyring-or-file fallback).
        let old = StoredTokens(
            accessToken: Secret("old-access-0123456789"), refreshToken: Secret("old-refresh-0123456789"),
            obtainedAt: 1000, expiresAt: 4600)
        try store.write(old, for: key)
        // What the disk holds when the keyring write returns: the state a kill at that moment leaves.
        let snapshot = Mutex<StoredTokens?>(nil)
        let keyring = SnapshotKeyring { snapshot.withLock { $0 = try? store.read(key) } }
        let tokens = ProfileTokens(
            store: store, key: key, storage: storage, keyring: keyring, profileName: "corp", warn: { _ in })
        let rotated = StoredTokens(
            accessToken: Secret("new-access-0123456789"), refreshToken: Secret("rotated-refresh-0123456789"),
            obtainedAt: 2000, expiresAt: 5600)
        let deadline = ContinuousClock.now + .seconds(10)
        try await tokens.write(rotated, onRefusal: .keepAccessTokenOnly, until: deadline)

        // A helper killed right after the keyring write: the next run finds the file as it was then.
        let atKill = try #require(snapshot.withLock { $0 }, "the keyring was never written")
        try store.write(atKill, for: key)
        let next = try await tokens.readWithSecrets(until: deadline)
        let kept = next?.refreshToken == rotated.refreshToken
        #expect(kept, "after a kill between the two writes the next run would send the old refresh token")

        // Without the kill, the file ends up without the refresh token, which the keyring holds.
        try await tokens.write(rotated, onRefusal: .keepAccessTokenOnly, until: deadline)
        let onFile = try store.read(key)
        let movedToKeyring = onFile?.refreshToken == nil && onFile?.inKeyring?.refreshToken == true
        #expect(movedToKeyring, "the refresh token stayed in the file")
        let read = try await tokens.readWithSecrets(until: deadline)
        let complete = read?.refreshToken == rotated.refreshToken
        #expect(complete, "the keyring's refresh token is not read back")
    }
}
