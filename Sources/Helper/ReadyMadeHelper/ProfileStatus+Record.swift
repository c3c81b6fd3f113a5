import HelperFastPath
import OAuthClient
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ProfileStatus {
    /// Fills in what the stored record says beyond who and until when: the expiry as a date, the
    /// granted scopes (the requested ones when the provider did not say), the token's audience (its
    /// `aud` claim, else the audience the profile asks for) and a rejected refresh token. No secret.
    mutating func describe(_ record: StoredTokens, settings: Profile.OAuthSettings?) {
        tokenExpiresAt = record.expiresAt.map(Self.timestamp)
        scopes = record.scope.map { $0.split(separator: " ").map(String.init) } ?? settings?.scopes
        audience = UnverifiedJWT.audience(of: record.accessToken) ?? settings?.audience.map { [$0] }
        refreshRejectedAt = record.refreshRejectedAt.map(Self.timestamp)
    }

    static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}

extension ReadyHelper {
    /// The last five runs of `profile` in the run log; a cached run logged without a profile name
    /// (`(default)`) counts for the catalog's default profile.
    func lastRuns(of profile: Profile) -> [RunLog.Entry] {
        let defaultName = catalog.defaultProfile ?? (catalog.profiles.count == 1 ? catalog.profiles.keys.first : nil)
        let runs = RunLog(directory: store.directory).recent(200).filter {
            $0.profile == profile.name || ($0.profile == "(default)" && defaultName == profile.name)
        }
        return Array(runs.suffix(5))
    }
}
