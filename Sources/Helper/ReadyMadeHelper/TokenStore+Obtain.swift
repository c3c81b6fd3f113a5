import CredentialHelperProtocol
import HelperFastPath
import TokenStore

extension TokenStore {
    /// `key`'s stored token while `freshness` calls it good; otherwise, holding `key`'s lock (a sibling
    /// may have stored a good one meanwhile, so it is read again), the record `obtain` makes, stored
    /// and returned. The shape of every source that keeps one token per key (`exec`, `google-sts`).
    func storedOrObtained(
        _ key: TokenStoreKey, freshness: Freshness, now: () -> Double, notBefore: Double?,
        until deadline: ContinuousClock.Instant,
        obtain: () async throws(CredhelperFailure) -> StoredTokens
    ) async throws(CredhelperFailure) -> Secret {
        func good() throws(CredhelperFailure) -> Secret? {
            let cached: StoredTokens?
            do { cached = try read(key) } catch { throw .tokenStore(error) }
            guard let cached, freshness.verdict(cached, now: now(), notBefore: notBefore) == .good else { return nil }
            return cached.accessToken
        }
        if let token = try good() { return token }
        return try await withLock(key, until: deadline, unavailable: CredhelperFailure.lockUnavailable) {
            () async throws(CredhelperFailure) -> Secret in
            if let token = try good() { return token }
            let record = try await obtain()
            do throws(TokenStoreError) { try write(record, for: key) } catch { throw .tokenStore(error) }
            return record.accessToken
        }
    }
}
