import CredentialHelperProtocol
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The helper's hot path: the answer when it needs no network, no child process and no user — a
/// stored token that covers the host TTL, or a `file`/`static` profile. Everything else (refresh,
/// sign-in, warnings, errors) is left to the full helper: this returns nil and prints nothing.
///
/// It links no HTTP client and starts no event loop or thread, so the `credhelper` executable that
/// hosts start for every credential stays small and fast (docs/benchmarks.md).
public enum CachedAnswer {
    /// The bytes to print on stdout in the requested ``OutputMode``, or nil when the full helper must run.
    public static func answer(arguments: [String], environment: [String: String]) -> [UInt8]? {
        var context: HelperContext?
        if let value = environment[HelperContext.environmentVariable] {
            guard let parsed = try? HelperContext.parse(value) else { return nil }
            context = parsed
        }
        // A rejected credential must be replaced, which the stored one cannot do.
        guard context != .midSessionRefresh,
            let target = try? HelperRunTarget.resolve(
                HelperRequest.subcommand(arguments) ?? HelperRequest(executable: arguments[0]), environment: environment
            )
        else { return nil }
        let profile = target.profile
        let token: Secret
        switch profile.source {
        case .literal(let secret): token = secret
        case .awsChain: return nil
        case .file(let path):
            guard let secret = try? FileSource.read(path) else { return nil }
            token = secret
        case .oauth, .exec, .googleSTS:
            guard let key = profile.storeKey, let directory = TokenStore.defaultDirectory(environment: environment)
            else { return nil }
            let store = TokenStore(directory: directory)
            guard let record = try? store.read(key),
                Freshness(profile: profile).verdict(record, now: Date().timeIntervalSince1970) == .good
            else { return nil }
            token = record.accessToken
        }
        return target.render(token)
    }
}

extension Profile {
    /// The token store key of an `oauth`, `exec` or `google-sts` profile; nil for kinds that keep
    /// nothing in the store.
    public var storeKey: TokenStoreKey? {
        switch source {
        case .oauth(let settings): settings.storeKey
        case .exec(let settings): settings.storeKey
        case .googleSTS(let settings): settings.storeKey
        case .file, .literal, .awsChain: nil
        }
    }
}

extension Profile.OAuthSettings {
    /// What changes the token: issuer, client, scopes, audience.
    public var storeKey: TokenStoreKey {
        TokenStoreKey(issuer: issuer, clientID: clientID, scopes: scopes, audience: audience)
    }
}

extension Profile.ExecSettings {
    /// What changes the token: the command line.
    public var storeKey: TokenStoreKey { TokenStoreKey(parts: ["exec"] + command) }
}

extension Profile.GoogleSTSSettings {
    /// What changes the Google token: the STS, the audience, the token types, scopes and project,
    /// and the subject profile.
    public var storeKey: TokenStoreKey {
        TokenStoreKey(
            parts: ["google-sts", tokenURL, audience, subjectTokenType, workforcePoolUserProject ?? "", subjectProfile]
                + scopes)
    }
}
