import CredentialHelperProtocol
import HelperFastPath
import OSKeyring
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One OAuth profile's stored tokens: the record in the 0600 token file and, with `"tokenStorage":
/// "keyring"`, its refresh token and ID token in the OS keyring (docs/helper.md, "Where tokens are
/// stored").
///
/// The access token and its expiry always stay in the file, so the cached path (``read()``) never
/// touches the keyring; only a refresh, a sign-in or a sign-out does. Writes happen under the
/// store's lock like file-only writes, keyring first: a helper killed between the two leaves the
/// new refresh token in the keyring and the old access token in the file, which still works. When
/// the file still holds the old refresh token (it was written with file storage, or by a
/// `keyring-or-file` fallback), a refresh writes the whole new record to the file first: the file
/// says nothing of the keyring then, and a helper killed between the writes would otherwise leave
/// the next run sending the old refresh token.
struct ProfileTokens {
    let store: TokenStore
    let key: TokenStoreKey
    let storage: Profile.TokenStorage
    let keyring: any Keyring
    let profileName: String
    let warn: @Sendable (String) -> Void

    /// The item name in the keyring: the store key's digest, as for the token file.
    private var item: String { key.digest }

    /// The record in the token file, without what the keyring holds.
    func read() throws(CredhelperFailure) -> StoredTokens? {
        do { return try store.read(key) } catch { throw CredhelperFailure(.tokenStoreUnreadable, error.description) }
    }

    /// The record with the refresh token and ID token filled in from the keyring when it holds them.
    func readWithSecrets(until deadline: ContinuousClock.Instant) async throws(CredhelperFailure) -> StoredTokens? {
        try await withSecrets(try read(), until: deadline)
    }

    /// `record` (read from the file) with the refresh token and ID token filled in from the keyring
    /// when it holds them; unchanged, and no keyring touched, when it does not.
    func withSecrets(_ record: StoredTokens?, until deadline: ContinuousClock.Instant) async throws(CredhelperFailure)
        -> StoredTokens?
    {
        guard var record else { return nil }
        guard let share = record.inKeyring else { return record }
        let stored: Secret?
        do { stored = try await keyring.secret(for: item, until: deadline) } catch {
            throw CredhelperFailure(
                .tokenStoreUnreadable,
                "profile \"\(profileName)\" keeps its refresh token in \(keyring.name), which cannot be read: "
                    + "\(error.message)")
        }
        guard let stored, let secrets = try? JSONDecoder().decode(KeyringSecrets.self, from: Data(stored.reveal().utf8))
        else {
            warn("\(keyring.name) has no tokens for profile \"\(profileName)\" (removed outside credhelper?)")
            record.inKeyring = nil
            return record
        }
        if share.refreshToken { record.refreshToken = secrets.refreshToken }
        if share.idToken { record.idToken = secrets.idToken }
        return record
    }

    /// What a write does when the keyring refuses the secrets of a `"tokenStorage": "keyring"` profile.
    enum KeyringRefusal {
        /// Fail, storing nothing: a sign-in, whose user is there to fix the keyring and try again.
        case fail
        /// Store the access token without the secrets, and warn: a refresh, whose provider may already
        /// have rotated the old refresh token away. The host still gets a working credential, and the
        /// next sign-in is due when it expires (a refresh token in a file is not an option here).
        case keepAccessTokenOnly
    }

    /// Stores `record`: with keyring storage, its refresh token and ID token go to the keyring and
    /// the file keeps the rest. Call with the store's lock held.
    func write(
        _ record: StoredTokens, onRefusal refusal: KeyringRefusal = .fail, until deadline: ContinuousClock.Instant
    )
        async throws(CredhelperFailure)
    {
        var fileRecord = record
        fileRecord.inKeyring = nil
        if storage != .file, record.refreshToken != nil || record.idToken != nil {
            if refusal == .keepAccessTokenOnly, record.refreshToken != nil, (try? store.read(key))?.refreshToken != nil
            {
                // The file holds a refresh token the provider may have invalidated: replace it before
                // the keyring is written, so no kill between the writes leaves it the one to send.
                do { try store.write(fileRecord, for: key) } catch {
                    throw CredhelperFailure(.tokenStoreUnreadable, error.description)
                }
            }
            do {
                fileRecord.inKeyring = try await storeInKeyring(record, until: deadline)
                if fileRecord.inKeyring?.refreshToken == true { fileRecord.refreshToken = nil }
                if fileRecord.inKeyring?.idToken == true { fileRecord.idToken = nil }
            } catch let error as KeyringError where storage == .keyringOrFile {
                warn(
                    "\(error.message); keeping the refresh token of profile \"\(profileName)\" in the 0600 token "
                        + "file instead (tokenStorage keyring-or-file)")
            } catch let error as KeyringError where refusal == .keepAccessTokenOnly {
                warn(
                    "\(error.message); the new refresh token of profile \"\(profileName)\" could not be stored, so "
                        + "this access token is the last one: \(CredhelperFailure.loginCommand(profileName)) once the "
                        + "keyring works again")
                fileRecord.refreshToken = nil
                fileRecord.idToken = nil
            } catch let error as KeyringError {
                throw unavailable(error)
            } catch {
                throw CredhelperFailure(.tokenStoreUnreadable, "cannot encode the tokens for the keyring: \(error)")
            }
        }
        do { try store.write(fileRecord, for: key) } catch {
            throw CredhelperFailure(.tokenStoreUnreadable, error.description)
        }
    }

    /// Puts the record's refresh token and ID token in the keyring item; returns which are there. When
    /// the two are more than the keyring stores (a groups-heavy ID token over secret-tool's 8 KiB), the
    /// refresh token goes alone and the ID token stays in the 0600 file, like the access token.
    private func storeInKeyring(_ record: StoredTokens, until deadline: ContinuousClock.Instant) async throws
        -> StoredTokens.KeyringShare
    {
        do {
            try await storeSecrets(KeyringSecrets(refreshToken: record.refreshToken, idToken: record.idToken), deadline)
            return StoredTokens.KeyringShare(refreshToken: record.refreshToken != nil, idToken: record.idToken != nil)
        } catch let error as KeyringError where error.code == .tooLarge && record.refreshToken != nil {
            try await storeSecrets(KeyringSecrets(refreshToken: record.refreshToken, idToken: nil), deadline)
            return StoredTokens.KeyringShare(refreshToken: true, idToken: false)
        }
    }

    private func storeSecrets(_ secrets: KeyringSecrets, _ deadline: ContinuousClock.Instant) async throws {
        try await keyring.store(
            Secret(String(decoding: try JSONEncoder().encode(secrets), as: UTF8.self)), for: item,
            label: "credhelper: profile \(profileName)", until: deadline)
    }

    /// Deletes the record and its keyring item, whatever the storage setting (a profile switched back
    /// to file storage may have left one). Returns whether there was a record. A keyring that cannot
    /// be reached is reported only when the record says it holds tokens there.
    func remove(until deadline: ContinuousClock.Instant) async throws(CredhelperFailure) -> Bool {
        let record = try? read()
        do { _ = try await keyring.remove(item, until: deadline) } catch {
            if record?.inKeyring != nil { throw unavailable(error) }
        }
        do { return try store.remove(key) } catch { throw CredhelperFailure(.tokenStoreUnreadable, error.description) }
    }

    func unavailable(_ error: KeyringError) -> CredhelperFailure {
        let fix =
            storage == .keyring
            ? "; or set \"tokenStorage\": \"keyring-or-file\" in profile \"\(profileName)\" to fall back to the "
                + "0600 token file" : ""
        return CredhelperFailure(
            .tokenStoreUnreadable,
            "profile \"\(profileName)\" keeps its refresh token in \(keyring.name): \(error.message)\(fix)")
    }
}

/// What one keyring item holds: the secrets of one token record.
struct KeyringSecrets: Codable {
    var refreshToken: Secret?
    var idToken: Secret?
}
