import CredentialHelperProtocol

extension HostConfiguration {
    /// Resolves layers into a configuration; a later layer overrides an earlier one key by key
    /// (pass them as file, environment, flags). Every value is validated here, and an error names
    /// the key, where the value came from and what is expected.
    ///
    /// The app's precedence rule (docs/configuration.md, "Precedence"): when a managed layer
    /// (``ConfigurationLayer/managed``) that takes the configuration over is present, it wins and
    /// every value of every other layer — local files, environment variables, flags — is ignored,
    /// whether or not the managed layer sets that key. A managed layer that sets only the update
    /// keys leaves the configuration local. The values ignored are listed in
    /// ``ResolvedConfiguration/ignored``, and an environment variable or flag ignored so gets a warning.
    public static func resolve(_ layers: [ConfigurationLayer]) throws(ConfigurationError) -> ResolvedConfiguration {
        var chosen: [ConfigurationKey: (value: JSONValue, source: String)] = [:]
        var ignored: [ResolvedConfiguration.IgnoredValue] = []
        var warnings: [String] = []
        let owners = layers.filter { $0.managed && $0.takesOver }
        let winner = owners.map(\.source).joined(separator: ", ")
        for layer in layers {
            warnings += layer.warnings
            let applies = owners.isEmpty || (layer.managed && layer.takesOver)
            for key in ConfigurationKey.allCases {
                guard let value = layer.values[key] else { continue }
                guard applies else {
                    ignored.append(.init(key: key, source: layer.source, origin: layer.origin, winner: winner))
                    continue
                }
                chosen[key] = (value, layer.source)
            }
        }
        for entry in ignored where entry.origin == .environment || entry.origin == .commandLine {
            let what =
                entry.origin == .environment
                ? "\(entry.key.environmentVariable) in the environment" : "\(entry.key.rawValue) from the command line"
            warnings.append(
                "\(what) is ignored: \(entry.winner) is a managed source, and when one is present the app ignores every "
                    + "local value (files, environment variables, flags), whether or not the managed source sets that key"
            )
        }
        guard let helper = chosen[.helper] else {
            if !owners.isEmpty {
                throw .invalid(
                    "\(ConfigurationKey.helper.rawValue) is not set in \(winner), a managed source; when one is present "
                        + "the app ignores local files, environment variables and flags, so set the helper there")
            }
            throw .invalid(
                "\(ConfigurationKey.helper.rawValue) is not set; set it in the config file, in "
                    + "\(ConfigurationKey.helper.environmentVariable), or with --helper")
        }
        guard case .string(let path) = helper.value, !path.isEmpty else {
            throw invalid(.helper, helper, expected: ConfigurationKey.helper.expected)
        }
        var configuration = HostConfiguration(helperPath: path)
        if let ttl = chosen[.ttl] {
            configuration.ttlSeconds = try seconds(
                .ttl, ttl, minimum: 0, maximum: maximumTTLSeconds, maximumName: "\(maximumTTLSeconds) (one day)",
                warnings: &warnings)
        }
        if let timeout = chosen[.timeout] {
            configuration.timeoutSeconds = try seconds(
                .timeout, timeout, minimum: 1, maximum: maximumTimeoutSeconds, maximumName: "\(maximumTimeoutSeconds)",
                warnings: &warnings)
        }
        if let silent = chosen[.silentRefresh] {
            configuration.silentRefreshEnabled = try boolean(.silentRefresh, silent)
        }
        if let headers = chosen[.customHeaders] { configuration.customHeaders = try headerList(headers) }
        if let scheme = chosen[.authScheme] {
            guard case .string(let text) = scheme.value, let parsed = AuthScheme(rawValue: text.lowercased()) else {
                let written = if case .string(let text) = scheme.value { text.lowercased() } else { "" }
                let retired = [
                    "sso": "; \"sso\" is invalid since the app's deprecation cut-off (7 October 2026): set "
                        + "inferenceCredentialKind to \"interactive\" instead",
                    "auto": "; \"auto\" is invalid since the app's deprecation cut-off (7 October 2026): use "
                        + "\"bearer\" or remove the key (bearer is the default)",
                ]
                throw invalid(
                    .authScheme, scheme, expected: ConfigurationKey.authScheme.expected + (retired[written] ?? ""))
            }
            configuration.authScheme = parsed
        }
        try resolveGatewayKeys(chosen, into: &configuration, warnings: &warnings)
        return ResolvedConfiguration(
            configuration: configuration, warnings: warnings, sources: chosen.mapValues(\.source), ignored: ignored)
    }

    /// The gateway keys and `inferenceCredentialKind`: read, checked (`https://` only), and the
    /// combinations the app treats differently from what the helper's presence suggests warned about.
    private static func resolveGatewayKeys(
        _ chosen: [ConfigurationKey: Sourced], into configuration: inout HostConfiguration, warnings: inout [String]
    ) throws(ConfigurationError) {
        if let provider = chosen[.provider] {
            configuration.provider = try text(.provider, provider)
            if !ConfigurationKey.providers.contains(configuration.provider ?? "") {
                warnings.append(
                    "inferenceProvider is \"\(VisibleText.of(String((configuration.provider ?? "").prefix(40))))\" "
                        + "(from \(provider.source)), which is not one the app "
                        + "lists (\(ConfigurationKey.providers.joined(separator: ", "))); the app will not use it")
            }
        }
        if let kind = chosen[.credentialKind] {
            let value = try text(.credentialKind, kind)
            guard ConfigurationKey.credentialKinds.contains(value) else {
                let hint =
                    value == "oauth"
                    ? "; \"oauth\" was deprecated and is invalid since 7 October 2026: use \"interactive\"" : ""
                throw invalid(.credentialKind, kind, expected: ConfigurationKey.credentialKind.expected + hint)
            }
            configuration.credentialKind = value
        }
        if let url = chosen[.gatewayBaseURL] {
            let value = try text(.gatewayBaseURL, url)
            guard value.lowercased().hasPrefix("https://"), value.count > "https://".count,
                !value.contains(where: { $0.isWhitespace })
            else {
                // User information and a query may hold a key: the message shows the URL without them.
                throw invalid(
                    .gatewayBaseURL, (.string(SplitURL(value).shown), url.source),
                    expected: "an https:// URL such as \"https://gateway.example.com\"; the app refuses http:// and "
                        + "other schemes")
            }
            configuration.gatewayBaseURL = value
        }
        if let key = chosen[.gatewayAPIKey] {
            guard case .string(let value) = key.value, !value.isEmpty else {
                throw invalid(.gatewayAPIKey, key, expected: ConfigurationKey.gatewayAPIKey.expected)
            }
            configuration.hasGatewayAPIKey = true
        }
        let helperSource = chosen[.helper]?.source ?? "the configuration"
        if let kind = configuration.credentialKind, kind != ConfigurationKey.helperCredentialKind,
            let source = chosen[.credentialKind]?.source
        {
            warnings.append(
                "inferenceCredentialKind is \"\(kind)\" (from \(source)) while inferenceCredentialHelper is set (from "
                    + "\(helperSource)): the app uses only the source the kind names, with no fallback, and does not run "
                    + "the helper; set inferenceCredentialKind to \"\(ConfigurationKey.helperCredentialKind)\", or remove "
                    + "the helper")
        }
        if configuration.hasGatewayAPIKey, let keySource = chosen[.gatewayAPIKey]?.source {
            warnings.append(
                "inferenceGatewayApiKey (from \(keySource)) is ignored: inferenceCredentialHelper is set (from "
                    + "\(helperSource)), and the helper always wins over static credential fields; remove the static key "
                    + "so the deployment says what it does")
        }
    }

    /// A string value (any non-empty string) for `key`.
    private static func text(_ key: ConfigurationKey, _ sourced: Sourced) throws(ConfigurationError) -> String {
        guard case .string(let value) = sourced.value, !value.trimmingASCIIWhitespace().isEmpty else {
            throw invalid(key, sourced, expected: key.expected)
        }
        return value.trimmingASCIIWhitespace()
    }

    private typealias Sourced = (value: JSONValue, source: String)

    private static func integer(_ key: ConfigurationKey, _ sourced: Sourced) throws(ConfigurationError) -> Int {
        switch sourced.value {
        case .number(let number) where number.rounded() == number && abs(number) < 1e15:
            return Int(number)
        case .string(let text):
            let trimmed = text.trimmingASCIIWhitespace()
            if let value = Int(trimmed), trimmed.allSatisfy({ $0.isNumber || $0 == "-" }) { return value }
        default:
            break
        }
        throw invalid(key, sourced, expected: key.expected)
    }

    /// A whole number of seconds, at least `minimum`; over `maximum` it is clamped with a warning.
    private static func seconds(
        _ key: ConfigurationKey, _ sourced: Sourced, minimum: Int, maximum: Int, maximumName: String,
        warnings: inout [String]
    ) throws(ConfigurationError) -> Int {
        let seconds = try integer(key, sourced)
        guard seconds >= minimum else {
            let expected =
                minimum == 0 ? "a number of seconds, 0 or more" : "a number of seconds from \(minimum) to \(maximum)"
            throw invalid(key, sourced, expected: expected)
        }
        if seconds > maximum {
            warnings.append(
                "\(key.rawValue) is \(seconds) (from \(sourced.source)); the maximum is \(maximumName), so "
                    + "\(maximum) is used")
        }
        return min(seconds, maximum)
    }

    private static func boolean(_ key: ConfigurationKey, _ sourced: Sourced) throws(ConfigurationError) -> Bool {
        switch sourced.value {
        case .bool(let value): return value
        case .number(1): return true
        case .number(0): return false
        case .string(let text):
            switch text.trimmingASCIIWhitespace().lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: break
            }
        default: break
        }
        throw invalid(key, sourced, expected: key.expected)
    }

    private static func headerList(_ sourced: Sourced) throws(ConfigurationError) -> HeaderList {
        let expected = ConfigurationKey.customHeaders.expected
        var value = sourced.value
        if case .string(let text) = value {
            guard let decoded = try? JSONValue.decode(Array(text.utf8)) else {
                throw invalid(.customHeaders, sourced, expected: expected)
            }
            value = decoded
        }
        var fields: [HeaderField] = []
        switch value {
        case .object(let object):
            for name in object.keys.sorted() {
                guard case .string(let text) = object[name] else {
                    throw .invalid(
                        "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)): the value of "
                            + "\"\(name)\" is not a string; quote it")
                }
                fields.append(HeaderField(name: name, value: text))
            }
        case .array:
            throw .invalid(
                "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)) is a list of \"Name: Value\" "
                    + "strings, which the app rejects as malformed since its deprecation cut-off (7 October 2026), and "
                    + "then sends no custom headers; write a JSON object such as {\"X-Org\": \"prod\"}")
        default:
            throw invalid(.customHeaders, sourced, expected: expected)
        }
        for field in fields {
            do {
                try HelperOutputParser.validateHeader(name: field.name, value: field.value, origin: "custom header")
            } catch {
                throw .invalid(
                    "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)): \(error.message)")
            }
        }
        return HeaderList(fields)
    }

    private static func invalid(_ key: ConfigurationKey, _ sourced: Sourced, expected: String) -> ConfigurationError {
        // Custom headers carry API keys as often as the gateway key does: neither value is shown.
        let value = key.isSecret || key == .customHeaders ? sourced.value.typeName : shown(sourced.value)
        return .invalid("\(key.rawValue) (from \(sourced.source)) is \(value); expected \(expected)")
    }

    private static func shown(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "\"\(text.count > 80 ? String(text.prefix(80)) + "…" : text)\""
        case .number(let number):
            // Int64(1e309) would stop the process: only whole numbers well inside the range are shown as integers.
            return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): return String(flag)
        default: return value.typeName
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
