import AWSSigning
import CredentialHelperProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seconds since 1970, now.
func currentTime() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

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

    /// The shared files' paths: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (`~` and `$VAR`
    /// expanded, as botocore expands them), else `~/.aws/config` and `~/.aws/credentials`. A variable
    /// that is set but empty means no file, as in botocore.
    public static func paths(environment: [String: String], home: String) -> (config: String?, credentials: String?) {
        func path(_ variable: String, _ fallback: String) -> String? {
            guard let given = environment[variable] else { return home + fallback }
            if given.isEmpty { return nil }
            let expanded = expandingVariables(given, environment: environment)
            return expanded == "~" || expanded.hasPrefix("~/") ? home + expanded.dropFirst() : expanded
        }
        return (path("AWS_CONFIG_FILE", "/.aws/config"), path("AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials"))
    }

    /// `$NAME` and `${NAME}` replaced by the variable's value, unknown ones left as written (Python's
    /// `os.path.expandvars`).
    static func expandingVariables(_ text: String, environment: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        let isNameCharacter = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "{", let close = after.firstIndex(of: "}") {
                let name = String(after[after.index(after: after.startIndex)..<close])
                if let value = environment[name], !name.isEmpty {
                    out += value
                } else {
                    out += rest[dollar...close]
                }
                rest = after[after.index(after: close)...]
            } else {
                let name = after.prefix(while: isNameCharacter)
                if let value = environment[String(name)], !name.isEmpty {
                    out += value
                } else {
                    out += "$" + name
                }
                rest = after[name.endIndex...]
            }
        }
        return out + rest
    }

    /// The profile botocore would use: `explicit`, else `AWS_DEFAULT_PROFILE`, `AWS_PROFILE` (set,
    /// even to nothing), else `default`.
    public static func profileName(explicit: String?, environment: [String: String]) -> (name: String, named: Bool) {
        if let explicit { return (explicit, true) }
        for variable in ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"] {
            if let name = environment[variable] { return (name, true) }
        }
        return ("default", false)
    }

    /// The source of the credentials. `config` and `credentials` are the parsed shared files (nil
    /// when absent), read from `paths` (named in messages).
    public static func resolve(
        explicitProfile: String?, environment: [String: String], config: AWSConfigFile?,
        credentials: AWSConfigFile?, paths: (config: String?, credentials: String?)
    ) throws(Problem) -> Source {
        let (name, named) = profileName(explicit: explicitProfile, environment: environment)
        let files = [paths.config, paths.credentials].compactMap { $0 }.joined(separator: " or ")
        let configSections = try profileSections(inConfig: config, named: name)
        let credentialsSection = credentials?.sections[name]
        // botocore looks the named profile up before any provider runs, the environment's included.
        if named, configSections == nil, credentialsSection == nil {
            throw Problem(
                "AWS profile \"\(name)\" is not in \(files.isEmpty ? "any AWS file" : files); check its name (aws "
                    + "configure list-profiles)")
        }
        if explicitProfile == nil, let keys = try environmentKeys(environment) { return keys }
        guard configSections != nil || credentialsSection != nil else {
            try refuseUnfollowed([:], profile: name, explicit: explicitProfile != nil, environment: environment)
            throw Problem(
                "no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID) and no [default] profile in "
                    + "\(files.isEmpty ? "any AWS file" : files); set \"awsProfile\" in the credhelper profile, or run "
                    + "aws configure")
        }
        let merged = (configSections ?? [:]).merging(credentialsSection ?? [:]) { $1 }
        try refuseUnfollowed(merged, profile: name, explicit: explicitProfile != nil, environment: environment)
        let origin = "AWS profile \"\(name)\""
        if let section = credentialsSection, section["aws_access_key_id"] != nil, let path = paths.credentials {
            return .keys(try keys(section, in: "\(origin) in \(path)"), origin: "\(origin), \(path)")
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
        if let section = configSections, section["aws_access_key_id"] != nil, let path = paths.config {
            return .keys(try keys(section, in: "\(origin) in \(path)"), origin: "\(origin), \(path)")
        }
        throw Problem(
            "\(origin) has no credentials credhelper can use: no aws_access_key_id and no credential_process; "
                + "add credential_process to it, or name another profile")
    }

    /// The environment's keys, when `AWS_ACCESS_KEY_ID` is set.
    static func environmentKeys(_ environment: [String: String], now: Double = currentTime()) throws(Problem)
        -> Source?
    {
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], !keyID.isEmpty else { return nil }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw Problem("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both, or unset both")
        }
        let token = ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"].lazy.compactMap {
            environment[$0].flatMap { $0.isEmpty ? nil : $0 }
        }.first
        var expiration: Double?
        if let text = environment["AWS_CREDENTIAL_EXPIRATION"], !text.isEmpty {
            guard let time = STSResponse.parseTimestamp(text) else {
                throw Problem("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time such as 2026-01-01T00:00:00Z")
            }
            guard time > now else {
                throw Problem(
                    "the environment's AWS credentials expired at \(text) (AWS_CREDENTIAL_EXPIRATION); get new ones")
            }
            expiration = time
        }
        return .keys(
            AWSSessionCredentials(
                accessKeyID: keyID, secretAccessKey: Secret(secret),
                sessionToken: token.flatMap { $0.isEmpty ? nil : Secret($0) }, expiration: expiration),
            origin: "the environment (AWS_ACCESS_KEY_ID)")
    }

    /// The config file's section for profile `name`, as botocore maps sections to profiles:
    /// `[profile NAME]` (the words after `profile`, quotes allowed) and `[default]`. Two sections for
    /// the same profile (`[default]` and `[profile default]`, `[profile x]` and `[profile "x"]`) are
    /// refused: botocore takes the later one in the file, which a reader of the file may not expect.
    static func profileSections(inConfig config: AWSConfigFile?, named name: String) throws(Problem)
        -> [String: AWSConfigFile.Value]?
    {
        var found: [(section: String, values: [String: AWSConfigFile.Value])] = []
        for (section, values) in config?.sections ?? [:] {
            if section.hasPrefix("profile") {
                guard let words = try? ShellWords.split(section), words.count == 2, words[1] == name else { continue }
                found.append((section, values))
            } else if section == "default", name == "default" {
                found.append((section, values))
            }
        }
        guard found.count <= 1 else {
            throw Problem(
                "the AWS config file has \(found.map { "[\($0.section)]" }.sorted().joined(separator: " and ")) for "
                    + "profile \"\(name)\"; keep one")
        }
        return found.first?.values
    }

    /// Keys botocore would follow before the shared files' credentials, which credhelper does not.
    static func refuseUnfollowed(
        _ profile: [String: AWSConfigFile.Value], profile name: String, explicit: Bool, environment: [String: String]
    ) throws(Problem) {
        let export =
            "; let the AWS CLI resolve it: credential_process = aws configure export-credentials --profile "
            + "\(name) --format process, in another profile that credhelper names"
        if profile["role_arn"] != nil {
            throw Problem(
                "AWS profile \"\(name)\" assumes a role (role_arn), which credhelper does not follow\(export)")
        }
        // botocore's web identity provider: the token file from the environment (ignored for an
        // explicit profile), else the profile's.
        let environmentFile =
            explicit ? nil : environment["AWS_WEB_IDENTITY_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if environmentFile != nil || profile["web_identity_token_file"] != nil {
            throw Problem(
                "AWS profile \"\(name)\" uses a web identity token file ("
                    + (environmentFile != nil ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "web_identity_token_file")
                    + "), which the AWS SDKs use before the profile's keys and credhelper does not follow; unset it, "
                    + "name the profile with \"awsProfile\", or use an oauth profile with \"aws\"")
        }
        for key in ["sso_account_id", "sso_role_name"] where profile[key] != nil {
            throw Problem("AWS profile \"\(name)\" signs in with IAM Identity Center (\(key))\(export)")
        }
        if profile["login_session"] != nil {
            throw Problem("AWS profile \"\(name)\" signs in with aws login (login_session)\(export)")
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
