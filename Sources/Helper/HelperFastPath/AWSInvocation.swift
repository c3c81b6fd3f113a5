import AWSSigning
import CredentialHelperProtocol
import TokenStore

/// How an AWS output mode is asked for by link name: `credhelper-PROFILE@MODE` (or `credhelper@MODE`
/// for the default profile), MODE one of ``AWSOutputMode``, so that a consumer setting that allows no
/// arguments (`credential_process`, `awsCredentialExport`) names one executable. The same syntax
/// names the token modes (`…@token`, `…@headers`, `…@inference`), which ``HelperRequest`` serves.
public enum AWSInvocation {
    /// The requested profile (nil: the default) and mode name of a link named `…@MODE`, run with no
    /// arguments; nil when this is not such a link, or when MODE is one of the token modes
    /// (``OutputMode``), which helper mode answers.
    public static func requested(arguments: [String]) -> (profile: String?, mode: String)? {
        guard arguments.count == 1 else { return nil }
        let name = arguments[0].split(separator: "/").last.map(String.init) ?? arguments[0]
        guard name.hasPrefix("credhelper"), let at = name.lastIndex(of: "@") else { return nil }
        let base = name[..<at]
        let mode = String(name[name.index(after: at)...])
        if mode == OutputMode.inference.name || OutputMode.named(mode) != nil { return nil }
        if base == "credhelper" || base == "credhelper-full" { return (nil, mode) }
        guard base.hasPrefix("credhelper-") else { return nil }
        let profile = String(base.dropFirst("credhelper-".count))
        return (profile.isEmpty ? nil : profile, mode)
    }
}

/// The cached path of the AWS modes: the answer when the stored AWS session is fresh (no network,
/// no child process), else nil and the full helper runs.
public enum AWSCachedAnswer {
    /// The bytes to print, or nil.
    public static func answer(
        profile requested: String?, mode: AWSOutputMode, environment: [String: String], now: Double
    ) -> [UInt8]? {
        // A refused key must be replaced, which the stored session cannot do.
        guard environment[HelperContext.environmentVariable] != HelperContext.midSessionRefresh.rawValue,
            let catalog = try? ProfileCatalog.locate(environment: environment),
            let profile = try? catalog.select(requested, environment: environment),
            case .oauth(let settings) = profile.source, let aws = settings.aws,
            let directory = TokenStore.defaultDirectory(environment: environment),
            let record = try? AWSSessionStore(store: TokenStore(directory: directory), key: settings.awsStoreKey(aws))
                .read(),
            record.isFresh(profile: profile, aws: aws, now: now)
        else { return nil }
        return AWSAnswer.encoded(
            record.credentials, mode: mode, profile: profile, region: aws.region,
            bedrockKeyLifetime: aws.bedrockKeyLifetime, now: now)
    }
}

/// What an AWS mode prints for a set of credentials.
public enum AWSAnswer {
    /// The output of `mode`; nil when a Bedrock key cannot be made (credentials with no time left).
    public static func encoded(
        _ credentials: AWSSessionCredentials, mode: AWSOutputMode, profile: Profile, region: String,
        bedrockKeyLifetime: Int, now: Double
    ) -> [UInt8]? {
        switch mode {
        case .credentialProcess: return AWSCredentialOutput.credentialProcess(credentials)
        case .credentialExport: return AWSCredentialOutput.credentialExport(credentials)
        case .bedrockKey:
            guard
                let key = BedrockAPIKey.make(
                    credentials: credentials, region: region, now: now, lifetime: bedrockKeyLifetime)
            else { return nil }
            return profile.answer(token: key).encoded()
        }
    }
}
