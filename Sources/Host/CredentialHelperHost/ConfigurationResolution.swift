import CredentialHelperProtocol

extension HostConfiguration {
    /// Resolves layers into a configuration; a later layer overrides an earlier one key by key
    /// (pass them as file, environment, flags). Every value is validated here, and an error names
    /// the key, where the value came from and what is expected.
    public static func resolve(_ layers: [ConfigurationLayer]) throws(HelperError) -> ResolvedConfiguration {
        var chosen: [ConfigurationKey: (value: JSONValue, source: String)] = [:]
        var warnings: [String] = []
        for layer in layers {
            warnings += layer.warnings
            for (key, value) in layer.values { chosen[key] = (value, layer.source) }
        }
        guard let helper = chosen[.helper] else {
            throw .configuration(
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
                throw invalid(.authScheme, scheme, expected: ConfigurationKey.authScheme.expected)
            }
            configuration.authScheme = parsed
        }
        return ResolvedConfiguration(configuration: configuration, warnings: warnings)
    }

    private typealias Sourced = (value: JSONValue, source: String)

    private static func integer(_ key: ConfigurationKey, _ sourced: Sourced) throws(HelperError) -> Int {
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
    ) throws(HelperError) -> Int {
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

    private static func boolean(_ key: ConfigurationKey, _ sourced: Sourced) throws(HelperError) -> Bool {
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

    private static func headerList(_ sourced: Sourced) throws(HelperError) -> HeaderList {
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
                    throw .configuration(
                        "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)): the value of "
                            + "\"\(name)\" is not a string; quote it")
                }
                fields.append(HeaderField(name: name, value: text))
            }
        case .array(let items):
            for item in items {
                guard case .string(let line) = item, let colon = line.firstIndex(of: ":") else {
                    throw .configuration(
                        "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)): each array item must "
                            + "be a string \"Name: Value\"; found \(item.typeName == "a string" ? "one without a colon" : item.typeName)"
                    )
                }
                fields.append(
                    HeaderField(
                        name: String(line[..<colon]).trimmingASCIIWhitespace(),
                        value: String(line[line.index(after: colon)...]).trimmingASCIIWhitespace()))
            }
        default:
            throw invalid(.customHeaders, sourced, expected: expected)
        }
        for field in fields {
            do {
                try HelperOutputParser.validateHeader(name: field.name, value: field.value, origin: "custom header")
            } catch {
                throw .configuration(
                    "\(ConfigurationKey.customHeaders.rawValue) (from \(sourced.source)): \(error.message)")
            }
        }
        return HeaderList(fields)
    }

    private static func invalid(_ key: ConfigurationKey, _ sourced: Sourced, expected: String) -> HelperError {
        .configuration("\(key.rawValue) (from \(sourced.source)) is \(shown(sourced.value)); expected \(expected)")
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
