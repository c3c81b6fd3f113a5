import CredentialHelperProtocol
import CredentialSupport

/// Turns the profiles file's JSON into ``Profile`` values, with one precise error per mistake
/// (naming the profile, the key and what is expected). Unknown keys are errors: a misspelt key
/// silently ignored would change which token is used.
struct ProfileReader {
    let file: String
    let environment: [String: String]
    let fileIsPrivate: Bool
    /// Whether this is the machine-wide file (the only one that may say what the user's file may do).
    var machineWide = false

    static let rootKeys: Set = ["defaultProfile", "profiles"]
    static let commonKeys: Set = ["kind", "hostTtlSec", "skewSec", "silentDeadlineSec", "headers"]
    static let kindKeys: [String: Set<String>] = [
        "oauth": Set([
            "issuer", "clientId", "clientSecretFile", "clientSecretEnv", "scopes", "audience", "discoveryUrl", "grant",
            "redirectPort", "credential", "requestTimeoutSec", "caFile", "proxy",
            "tokenStorage", "aws", "preset", "tenant",
        ]).union(Profile.OAuthSettings.endpointKeys),
        "exec": ["command", "timeoutSec", "tokenLifetimeSec"],
        "file": ["path"],
        "static": ["token"],
        "google-sts": [
            "subjectProfile", "audience", "subjectTokenType", "scopes", "tokenUrl", "workforcePoolUserProject",
            "requestTimeoutSec",
        ],
        "aws-chain": ["awsProfile", "region", "bedrockKeyLifetimeSec", "processTimeoutSec"],
    ]

    func catalog(from root: JSONValue) throws(CredhelperFailure) -> ProfileCatalog {
        guard case .object(let object) = root else {
            throw fail(nil, "the file must hold a JSON object with \"profiles\"")
        }
        if !machineWide, object["userProfiles"] != nil {
            throw fail(nil, "only the machine-wide profiles file may say what a user's file may do (\"userProfiles\")")
        }
        try rejectUnknown(
            object.keys, allowed: machineWide ? Self.rootKeys.union(["userProfiles"]) : Self.rootKeys, in: nil)
        guard case .object(let entries)? = object["profiles"] else {
            throw fail(nil, "\"profiles\" must be an object of name → profile")
        }
        var profiles: [String: Profile] = [:]
        for (name, value) in entries {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }), !name.isEmpty
            else { throw fail(name, "profile names may use letters, digits, '-', '_' and '.' only") }
            profiles[name] = try profile(name, value)
        }
        var defaultProfile: String?
        if let value = object["defaultProfile"] {
            guard case .string(let name) = value, profiles[name] != nil else {
                throw fail(nil, "\"defaultProfile\" must name one of the profiles")
            }
            defaultProfile = name
        }
        return ProfileCatalog(
            files: [file], profiles: profiles, defaultProfile: defaultProfile,
            origins: profiles.mapValues { _ in file })
    }

    /// The machine-wide file's `userProfiles` (`add` when absent).
    func userProfiles(in root: JSONValue) throws(CredhelperFailure) -> ProfileCatalog.UserProfiles {
        guard case .object(let object) = root, let value = object["userProfiles"] else { return .add }
        guard case .string(let text) = value, let policy = ProfileCatalog.UserProfiles(rawValue: text) else {
            throw fail(nil, "\"userProfiles\" must be \"add\", \"replace\" or \"ignore\"")
        }
        return policy
    }

    private func profile(_ name: String, _ value: JSONValue) throws(CredhelperFailure) -> Profile {
        guard case .object(let fields) = value else { throw fail(name, "a profile must be a JSON object") }
        let kind = try string(fields, "kind", in: name) ?? "oauth"
        guard let allowed = Self.kindKeys[kind] else {
            throw fail(
                name, "\"kind\" must be one of oauth, exec, file, static, google-sts, aws-chain (not \"\(kind)\")")
        }
        try rejectUnknown(fields.keys, allowed: allowed.union(Self.commonKeys), in: name)
        let source: Profile.Source
        switch kind {
        case "oauth": source = .oauth(try oauth(fields, in: name))
        case "exec": source = .exec(try exec(fields, in: name))
        case "google-sts": source = .googleSTS(try googleSTS(fields, in: name))
        case "aws-chain": source = .awsChain(try awsChain(fields, in: name))
        case "file":
            guard let path = try string(fields, "path", in: name), path.hasPrefix("/") else {
                throw fail(name, "\"path\" must be the absolute path of the token file")
            }
            source = .file(path: path)
        default:
            guard let token = try string(fields, "token", in: name), !token.isEmpty else {
                throw fail(name, "\"token\" must be a non-empty string")
            }
            guard fileIsPrivate else {
                throw fail(name, "the file holds a token but others can read it; run chmod 600 \(file)")
            }
            source = .literal(Secret(token))
        }
        var headers = HeaderList()
        if let value = fields["headers"] {
            guard case .object(let entries) = value else {
                throw fail(name, "\"headers\" must be an object of strings")
            }
            for (header, value) in entries.sorted(by: { $0.key < $1.key }) {
                guard case .string(let text) = value else { throw fail(name, "header \(header) must be a string") }
                do {
                    try HelperOutputParser.validateHeader(name: header, value: text, origin: "profile \(name)")
                } catch { throw fail(name, error.description) }
                headers.set(header, to: text)
            }
        }
        return Profile(
            name: name, source: source,
            hostTTL: try seconds(fields, "hostTtlSec", in: name, default: 3600, range: 1...86_400 * 30),
            skew: try seconds(fields, "skewSec", in: name, default: 60, range: 0...3600),
            silentDeadline: try seconds(fields, "silentDeadlineSec", in: name, default: 15, range: 1...600),
            headers: headers)
    }

    private func oauth(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure)
        -> Profile.OAuthSettings
    {
        let preset = try entraPreset(fields, in: name)
        let issuerValue = if let preset { preset.issuer } else { try string(fields, "issuer", in: name) }
        guard let issuer = issuerValue, issuer.contains("://") else {
            throw fail(name, "\"issuer\" must be the provider's issuer URL")
        }
        guard let clientID = try string(fields, "clientId", in: name), !clientID.isEmpty else {
            throw fail(name, "\"clientId\" is required")
        }
        var scopes = preset?.scopes ?? ["openid"]
        if let value = fields["scopes"] {
            guard case .array(let items) = value else { throw fail(name, "\"scopes\" must be an array of strings") }
            scopes = []
            for item in items {
                guard case .string(let scope) = item, !scope.isEmpty, !scope.contains(" ") else {
                    throw fail(name, "\"scopes\" must be an array of single-word strings")
                }
                scopes.append(scope)
            }
        }
        let grantName = try string(fields, "grant", in: name) ?? Profile.Grant.authorizationCode.rawValue
        guard let grant = Profile.Grant(rawValue: grantName) else {
            throw fail(name, "\"grant\" must be authorization-code, device or client-credentials")
        }
        let credentialName = try string(fields, "credential", in: name) ?? Profile.CredentialKind.accessToken.rawValue
        guard let credential = Profile.CredentialKind(rawValue: credentialName) else {
            throw fail(name, "\"credential\" must be access-token or id-token")
        }
        let secretFile = try string(fields, "clientSecretFile", in: name)
        if let secretFile, !secretFile.hasPrefix("/") {
            throw fail(name, "\"clientSecretFile\" must be an absolute path")
        }
        let secretEnvironment = try string(fields, "clientSecretEnv", in: name)
        if grant == .clientCredentials, secretFile == nil, secretEnvironment == nil {
            throw fail(name, "the client-credentials grant needs \"clientSecretFile\" or \"clientSecretEnv\"")
        }
        let port = try seconds(fields, "redirectPort", in: name, default: 0, range: 0...65_535)
        let storageName = try string(fields, "tokenStorage", in: name) ?? Profile.TokenStorage.file.rawValue
        guard let storage = Profile.TokenStorage(rawValue: storageName) else {
            throw fail(name, "\"tokenStorage\" must be file, keyring or keyring-or-file (not \"\(storageName)\")")
        }
        var settings = Profile.OAuthSettings(
            issuer: issuer, clientID: clientID, clientSecretFile: secretFile,
            clientSecretEnvironment: secretEnvironment,
            scopes: scopes, audience: try string(fields, "audience", in: name),
            discoveryURL: try string(fields, "discoveryUrl", in: name), grant: grant,
            redirectPort: Int(port.components.seconds), credential: credential,
            requestTimeout: try seconds(fields, "requestTimeoutSec", in: name, default: 10, range: 1...120),
            caFile: try caFile(fields, in: name), proxy: try proxy(fields, in: name),
            endpoints: try endpoints(fields, in: name))
        settings.tokenStorage = storage
        settings.aws = try aws(fields, in: name)
        return settings
    }

    /// The issuer and scopes an Entra `preset` gives (``EntraPreset``): the issuer from `tenant`,
    /// or `issuer` when given instead (another cloud, a test provider); nil without a preset.
    private func entraPreset(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure)
        -> (issuer: String, scopes: [String])?
    {
        let tenant = try string(fields, "tenant", in: name)
        guard let presetName = try string(fields, "preset", in: name) else {
            if tenant != nil { throw fail(name, "\"tenant\" goes with \"preset\": \(EntraPreset.names)") }
            return nil
        }
        guard let preset = EntraPreset(rawValue: presetName) else {
            throw fail(name, "\"preset\" must be \(EntraPreset.names) (not \"\(presetName)\")")
        }
        if fields["scopes"] != nil {
            throw fail(
                name,
                "the preset sets the scopes (\(preset.scopes.joined(separator: " "))); remove \"scopes\" or the preset")
        }
        switch (tenant, try string(fields, "issuer", in: name)) {
        case (let tenant?, nil):
            guard let issuer = EntraPreset.issuer(tenant: tenant) else {
                throw fail(
                    name,
                    "\"tenant\" must be the Entra tenant's ID, a GUID like 00000000-0000-0000-0000-000000000000 "
                        + "(Microsoft Entra admin center, Overview, Tenant ID), not a domain name")
            }
            return (issuer, preset.scopes)
        case (nil, let issuer?): return (issuer, preset.scopes)
        case (_?, _?): throw fail(name, "give \"tenant\" or \"issuer\" with the preset, not both")
        case (nil, nil): throw fail(name, "the preset \(presetName) needs \"tenant\": the Entra tenant's ID")
        }
    }

    private func proxy(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> String? {
        let proxy = try string(fields, "proxy", in: name)
        if let proxy, proxy != "none", !proxy.lowercased().hasPrefix("http://") {
            throw fail(name, "\"proxy\" must be an http://host:port URL, or \"none\"")
        }
        return proxy
    }

    private func caFile(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> String? {
        let file = try string(fields, "caFile", in: name)
        if let file, !file.hasPrefix("/") { throw fail(name, "\"caFile\" must be an absolute path") }
        return file
    }

    /// The endpoint overrides: absolute `https://` (or loopback `http://`) URLs, checked again by
    /// the OAuth client before use.
    private func endpoints(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> [String: String]
    {
        var endpoints: [String: String] = [:]
        for key in Profile.OAuthSettings.endpointKeys {
            guard let url = try string(fields, key, in: name) else { continue }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw fail(name, "\"\(key)\" must be an https:// URL")
            }
            endpoints[key] = url
        }
        return endpoints
    }

    private func googleSTS(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure)
        -> Profile.GoogleSTSSettings
    {
        guard let subject = try string(fields, "subjectProfile", in: name), !subject.isEmpty, subject != name else {
            throw fail(name, "\"subjectProfile\" must name the profile whose token is exchanged (another profile)")
        }
        guard let audience = try string(fields, "audience", in: name), audience.hasPrefix("//iam.googleapis.com/")
        else {
            throw fail(
                name,
                "\"audience\" must be the pool provider's name, //iam.googleapis.com/…/providers/PROVIDER (Google "
                    + "Cloud console: the provider's audience)")
        }
        let workforce = audience.contains("/workforcePools/")
        let subjectType =
            try string(fields, "subjectTokenType", in: name)
            ?? "urn:ietf:params:oauth:token-type:" + (workforce ? "id_token" : "jwt")
        guard subjectType.hasPrefix("urn:ietf:params:oauth:token-type:") else {
            throw fail(
                name, "\"subjectTokenType\" must be a urn:ietf:params:oauth:token-type:… name (jwt, id_token, …)")
        }
        let project = try string(fields, "workforcePoolUserProject", in: name)
        if project != nil, !workforce {
            throw fail(
                name,
                "\"workforcePoolUserProject\" applies to workforce pools only (the audience names a workload pool)")
        }
        var scopes = ["https://www.googleapis.com/auth/cloud-platform"]
        if let value = fields["scopes"] {
            guard case .array(let items) = value, !items.isEmpty else {
                throw fail(name, "\"scopes\" must be a non-empty array of strings")
            }
            scopes = []
            for item in items {
                guard case .string(let scope) = item, !scope.isEmpty, !scope.contains(" ") else {
                    throw fail(name, "\"scopes\" must be an array of single-word strings")
                }
                scopes.append(scope)
            }
        }
        let tokenURL = try string(fields, "tokenUrl", in: name) ?? "https://sts.googleapis.com/v1/token"
        guard tokenURL.hasPrefix("https://") || tokenURL.hasPrefix("http://") else {
            throw fail(name, "\"tokenUrl\" must be an https:// URL")
        }
        return Profile.GoogleSTSSettings(
            subjectProfile: subject, audience: audience, subjectTokenType: subjectType, scopes: scopes,
            tokenURL: tokenURL, workforcePoolUserProject: project,
            requestTimeout: try seconds(fields, "requestTimeoutSec", in: name, default: 10, range: 1...120))
    }

    private func exec(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> Profile.ExecSettings
    {
        guard case .array(let items)? = fields["command"], !items.isEmpty else {
            throw fail(name, "\"command\" must be an array: the tool's absolute path, then its arguments")
        }
        var command: [String] = []
        for item in items {
            guard case .string(let part) = item else { throw fail(name, "\"command\" must hold strings only") }
            command.append(part)
        }
        guard command[0].hasPrefix("/") else {
            throw fail(name, "\"command\" must start with an absolute path (no shell is used to find \(command[0]))")
        }
        let lifetime: Duration? =
            fields["tokenLifetimeSec"] == nil
            ? nil : try seconds(fields, "tokenLifetimeSec", in: name, default: 0, range: 1...86_400 * 30)
        return Profile.ExecSettings(
            command: command, timeout: try seconds(fields, "timeoutSec", in: name, default: 30, range: 1...600),
            tokenLifetime: lifetime)
    }

    func string(_ fields: [String: JSONValue], _ key: String, in name: String) throws(CredhelperFailure) -> String? {
        guard let value = fields[key] else { return nil }
        guard case .string(let text) = value else {
            throw fail(name, "\"\(key)\" must be a string, not \(value.typeName)")
        }
        return text
    }

    func seconds(
        _ fields: [String: JSONValue], _ key: String, in name: String, default fallback: Int, range: ClosedRange<Int>
    ) throws(CredhelperFailure) -> Duration {
        guard let value = fields[key] else { return .seconds(fallback) }
        // Range-check as a Double first: Int(1e309) or Int(.nan) would stop the process.
        guard case .number(let number) = value, number == number.rounded(),
            number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else {
            throw fail(name, "\"\(key)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return .seconds(Int(number))
    }

    private func rejectUnknown(_ keys: some Sequence<String>, allowed: Set<String>, in name: String?)
        throws(CredhelperFailure)
    {
        for key in keys.sorted() where !allowed.contains(key) {
            let near = allowed.first { $0.lowercased() == key.lowercased() }
            throw fail(name, "unknown key \"\(key)\"" + (near.map { " (did you mean \"\($0)\"?)" } ?? ""))
        }
    }

    func fail(_ profile: String?, _ message: String) -> CredhelperFailure {
        CredhelperFailure(.configuration, "\(file)" + (profile.map { ", profile \"\($0)\"" } ?? "") + ": \(message)")
    }
}
