import AWSSigning
import CredentialHelperProtocol

/// The part of the AWS SDKs' default credential chain that credhelper follows, in botocore's order:
/// the environment (`AWS_ACCESS_KEY_ID`, …), then the chosen profile's keys in the shared
/// credentials file, its `credential_process`, and its keys in the shared config file.
///
/// The profile is the one a credhelper profile names (which, as an explicit profile does in
/// botocore, skips the environment's keys), else `AWS_DEFAULT_PROFILE`, `AWS_PROFILE`, `default`.
/// Sources botocore would take before the files and credhelper does not follow (an assumed role,
/// SSO, a web identity token file) are refused with the fix, never skipped: skipping them would
/// hand out other credentials than the AWS CLI uses.
public enum AWSCredentialChain {
    /// Where the credentials come from.
    public enum Source: Sendable, Hashable {
        /// Keys found in the environment or a file; `origin` says where.
        case keys(AWSSessionCredentials, origin: String)
        /// A `credential_process` command line (split with ``ShellWords``) of profile `profile`.
        case process(command: [String], profile: String)
    }

    /// Why no credentials could be chosen: what is wrong and what to do.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The shared files' paths: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (a leading `~`
    /// is the home directory), else `~/.aws/config` and `~/.aws/credentials`.
    public static func paths(environment: [String: String], home: String) -> (config: String, credentials: String) {
        func expanded(_ path: String) -> String {
            path == "~" || path.hasPrefix("~/") ? home + path.dropFirst() : path
        }
        return (
            expanded(environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/config"),
            expanded(
                environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/credentials")
        )
    }

    /// The profile botocore would use: `explicit`, else `AWS_DEFAULT_PROFILE`, `AWS_PROFILE`, `default`.
    public static func profileName(explicit: String?, environment: [String: String]) -> (name: String, named: Bool) {
        if let explicit { return (explicit, true) }
        for variable in ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"] {
            if let name = environment[variable], !name.isEmpty { return (name, true) }
        }
        return ("default", false)
    }

    /// The source of the credentials. `config` and `credentials` are the parsed shared files (nil
    /// when absent), read from `paths` (named in messages).
    public static func resolve(
        explicitProfile: String?, environment: [String: String], config: AWSConfigFile?,
        credentials: AWSConfigFile?, paths: (config: String, credentials: String)
    ) throws(Problem) -> Source {
        if explicitProfile == nil, let keys = try environmentKeys(environment) { return keys }
        let (name, named) = profileName(explicit: explicitProfile, environment: environment)
        let configProfiles = try profiles(inConfig: config, path: paths.config)
        let credentialsSection = credentials?.sections[name]
        guard configProfiles[name] != nil || credentialsSection != nil else {
            throw Problem(
                named
                    ? "AWS profile \"\(name)\" is not in \(paths.config) or \(paths.credentials); check its name "
                        + "(aws configure list-profiles)"
                    : "no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID) and no [default] profile in "
                        + "\(paths.config) or \(paths.credentials); set \"awsProfile\" in the credhelper profile, or "
                        + "run aws configure")
        }
        let merged = (configProfiles[name] ?? [:]).merging(credentialsSection ?? [:]) { $1 }
        try refuseUnfollowed(merged, profile: name, environment: environment)
        let origin = "AWS profile \"\(name)\""
        if let section = credentialsSection, section["aws_access_key_id"] != nil {
            return .keys(
                try keys(section, in: "\(origin) in \(paths.credentials)"), origin: "\(origin), \(paths.credentials)")
        }
        if let value = merged["credential_process"] {
            guard case .text(let line) = value, !line.isEmpty else {
                throw Problem("credential_process of \(origin) must be a command line")
            }
            let words: [String]
            do { words = try ShellWords.split(line) } catch {
                throw Problem("credential_process of \(origin) cannot be split into words (\(error)); check its quotes")
            }
            guard !words.isEmpty else { throw Problem("credential_process of \(origin) is empty") }
            return .process(command: words, profile: name)
        }
        if let section = configProfiles[name], section["aws_access_key_id"] != nil {
            return .keys(try keys(section, in: "\(origin) in \(paths.config)"), origin: "\(origin), \(paths.config)")
        }
        throw Problem(
            "\(origin) has no credentials credhelper can use: no aws_access_key_id and no credential_process; "
                + "add credential_process to it, or name another profile")
    }

    /// The environment's keys, when `AWS_ACCESS_KEY_ID` is set.
    static func environmentKeys(_ environment: [String: String]) throws(Problem) -> Source? {
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], !keyID.isEmpty else { return nil }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw Problem("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both, or unset both")
        }
        let token = ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"].lazy.compactMap { environment[$0] }.first
        var expiration: Double?
        if let text = environment["AWS_CREDENTIAL_EXPIRATION"], !text.isEmpty {
            guard let time = STSResponse.parseTimestamp(text) else {
                throw Problem("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time such as 2026-01-01T00:00:00Z")
            }
            expiration = time
        }
        return .keys(
            AWSSessionCredentials(
                accessKeyID: keyID, secretAccessKey: Secret(secret),
                sessionToken: token.flatMap { $0.isEmpty ? nil : Secret($0) }, expiration: expiration),
            origin: "the environment (AWS_ACCESS_KEY_ID)")
    }

    /// The config file's profiles by name, as botocore maps its sections: `[profile NAME]` (the
    /// words after `profile`, quotes allowed) and `[default]`.
    static func profiles(inConfig config: AWSConfigFile?, path: String) throws(Problem)
        -> [String: [String: AWSConfigFile.Value]]
    {
        var profiles: [String: [String: AWSConfigFile.Value]] = [:]
        for (section, values) in config?.sections ?? [:] {
            if section.hasPrefix("profile") {
                guard let words = try? ShellWords.split(section), words.count == 2 else { continue }
                if words[1] == "default", config?.sections["default"] != nil {
                    throw Problem("\(path) has both [default] and [profile default]; keep one")
                }
                profiles[words[1]] = values
            } else if section == "default" {
                profiles["default"] = values
            }
        }
        return profiles
    }

    /// Keys botocore would follow before the shared files' credentials, which credhelper does not.
    static func refuseUnfollowed(
        _ profile: [String: AWSConfigFile.Value], profile name: String, environment: [String: String]
    ) throws(Problem) {
        let export =
            "; let the AWS CLI resolve it: credential_process = aws configure export-credentials --profile "
            + "\(name) --format process, in another profile that credhelper names"
        if profile["role_arn"] != nil {
            throw Problem(
                "AWS profile \"\(name)\" assumes a role (role_arn), which credhelper does not follow\(export)")
        }
        for key in ["sso_session", "sso_start_url", "sso_account_id"] where profile[key] != nil {
            throw Problem("AWS profile \"\(name)\" signs in with IAM Identity Center (\(key))\(export)")
        }
        if let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], !file.isEmpty,
            let role = environment["AWS_ROLE_ARN"], !role.isEmpty
        {
            throw Problem(
                "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set, which the AWS SDKs use before the profile's "
                    + "credentials and credhelper does not follow; unset them, or use an oauth profile with \"aws\"")
        }
    }

    /// Access key id, secret and session token from a profile's section.
    static func keys(_ section: [String: AWSConfigFile.Value], in origin: String) throws(Problem)
        -> AWSSessionCredentials
    {
        func text(_ key: String) throws(Problem) -> String? {
            switch section[key] {
            case .none: return nil
            case .text(let value): return value
            case .nested: throw Problem("\(key) of \(origin) must be a single value, not nested settings")
            }
        }
        guard let keyID = try text("aws_access_key_id"), !keyID.isEmpty else {
            throw Problem("aws_access_key_id of \(origin) is empty")
        }
        guard let secret = try text("aws_secret_access_key"), !secret.isEmpty else {
            throw Problem("\(origin) has aws_access_key_id but no aws_secret_access_key; add it")
        }
        var token = try text("aws_security_token")
        if token == nil { token = try text("aws_session_token") }
        return AWSSessionCredentials(
            accessKeyID: keyID, secretAccessKey: Secret(secret),
            sessionToken: token.flatMap { $0.isEmpty ? nil : Secret($0) })
    }
}
