import Foundation
import TestSupport
import TokenStore

/// The token store side of `ReadyHelperHarness` (in TestSupport, which does not depend on TokenStore).
extension ReadyHelperHarness {
    var store: TokenStore { TokenStore(directory: storeDirectory) }

    /// The only record in the store (all OAuth test profiles of one client share one key).
    func record(profile: String = "corp") throws -> StoredTokens? {
        let files = try FileManager.default.contentsOfDirectory(atPath: storeDirectory).filter { $0.hasSuffix(".json") }
        for file in files {
            let key = TokenStoreKey(digestOf: String(file.dropLast(5)))
            if let record = try store.read(key) { return record }
        }
        return nil
    }

    /// Rewrites the stored record so its access token expired `ago` seconds ago.
    func expireStoredToken(ago: Double = 10) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: storeDirectory).filter { $0.hasSuffix(".json") }
        for file in files {
            let key = TokenStoreKey(digestOf: String(file.dropLast(5)))
            guard var record = try store.read(key) else { continue }
            let now = Date().timeIntervalSince1970
            record.obtainedAt = now - 3600
            record.expiresAt = now - ago
            try store.write(record, for: key)
        }
    }
}
