#if canImport(Security)
    import CredentialHelperProtocol
    import Foundation
    import Security

    /// The macOS Keychain: generic-password items with service `credhelper` and the item name as
    /// account, in the user's default keychain, readable only after the first unlock.
    ///
    /// Compiled on Apple platforms only. The calls are the documented `SecItem*` ones with nothing
    /// else: add (or update when the item exists), copy matching with `kSecReturnData`, delete.
    public struct KeychainKeyring: Keyring {
        /// The keychain.
        public init() {}

        public var name: String { "the macOS Keychain" }

        public func secret(for item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError)
            -> Secret?
        {
            var query = Self.query(item)
            query[kSecReturnData as String] = true
            query[kSecMatchLimit as String] = kSecMatchLimitOne
            var result: CFTypeRef?
            let status = SecItemCopyMatching(query as CFDictionary, &result)
            if status == errSecItemNotFound { return nil }
            guard status == errSecSuccess, let data = result as? Data else { throw Self.failure(status, "read") }
            return Secret(String(decoding: data, as: UTF8.self))
        }

        public func store(_ secret: Secret, for item: String, label: String, until deadline: ContinuousClock.Instant)
            async throws(KeyringError)
        {
            let data = Data(secret.reveal().utf8)
            let update: [String: Any] = [kSecValueData as String: data, kSecAttrLabel as String: label]
            var status = SecItemUpdate(Self.query(item) as CFDictionary, update as CFDictionary)
            if status == errSecItemNotFound {
                var add = Self.query(item)
                add[kSecValueData as String] = data
                add[kSecAttrLabel as String] = label
                add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
                status = SecItemAdd(add as CFDictionary, nil)
            }
            guard status == errSecSuccess else { throw Self.failure(status, "store") }
        }

        public func remove(_ item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Bool {
            let status = SecItemDelete(Self.query(item) as CFDictionary)
            if status == errSecItemNotFound { return false }
            guard status == errSecSuccess else { throw Self.failure(status, "remove") }
            return true
        }

        private static func query(_ item: String) -> [String: Any] {
            [
                kSecClass as String: kSecClassGenericPassword,
                kSecAttrService as String: SystemKeyring.service,
                kSecAttrAccount as String: item,
            ]
        }

        private static func failure(_ status: OSStatus, _ action: String) -> KeyringError {
            let reason = (SecCopyErrorMessageString(status, nil) as String?) ?? "OSStatus \(status)"
            let unavailable = [errSecInteractionNotAllowed, errSecNotAvailable, errSecNoSuchKeychain].contains(status)
            return KeyringError(
                unavailable ? .unavailable : .failed,
                "the macOS Keychain could not \(action) the item (\(reason))"
                    + (unavailable ? "; unlock the login keychain (log in to the desktop session) and try again" : ""))
        }
    }
#endif
