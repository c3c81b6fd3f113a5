import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Configuration kept where macOS hosts keep it: a managed-preferences property list
/// (`/Library/Managed Preferences/<user>/com.anthropic.claudefordesktop.plist`, XML or binary), or a
/// `.mobileconfig` profile whose payload of type `com.anthropic.claudefordesktop` holds the keys.
/// Managed stores keep every value as a string; native integers and booleans are accepted too, and
/// a native `<array>` or `<dict>` is read as the equivalent JSON, as the app reads it in a macOS
/// profile (the portable form is JSON text in a `<string>`, docs/configuration.md). Whether a file
/// is managed depends on where it is (``ManagedLocations``), never on its format.
enum PropertyListConfiguration {
    /// The payload type of the desktop app's preferences in a configuration profile.
    static let payloadType = "com.anthropic.claudefordesktop"

    /// Whether `bytes` look like a property list rather than JSON (binary `bplist`, or XML).
    static func looksLikePropertyList(_ bytes: [UInt8]) -> Bool {
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        text = text.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        return text.starts(with: Array("bplist".utf8)) || text.starts(with: Array("<?xml".utf8))
            || text.starts(with: Array("<plist".utf8)) || text.starts(with: Array("<!DOCTYPE plist".utf8))
    }

    /// The keys of a property list as JSON values; a profile's payloads are searched for the app's.
    /// The structure is checked first (``PropertyListScan``: size, depth, values, cycles, keys set
    /// twice); a configuration key whose value is not a string, number, boolean, array or dictionary
    /// (a date, data, an integer out of range) is an error rather than a value silently ignored.
    static func values(_ bytes: [UInt8], source: String) throws(ConfigurationError) -> [String: JSONValue] {
        do {
            _ = try PropertyListScan.check(bytes)
        } catch {
            throw .malformed("\(source) is refused: \(error.description)")
        }
        let root: Value
        do {
            root = try PropertyListDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw .malformed("\(source) is not a valid property list (XML or binary); export it again")
        }
        guard case .dictionary(let object) = root else {
            throw .malformed("\(source) holds \(root.json.typeName); expected a dictionary of configuration keys")
        }
        guard case .array(let payloads)? = object["PayloadContent"] else { return try readable(object, source: source) }
        var merged: [String: Value] = [:]
        for case .dictionary(let payload) in payloads where payload["PayloadType"] == .string(payloadType) {
            // Two payloads setting one key are as ambiguous as one dictionary setting it twice.
            for (name, value) in payload where name != "PayloadType" {
                guard merged.updateValue(value, forKey: name) == nil || ConfigurationKey(rawValue: name) == nil else {
                    throw .malformed(
                        "\(source) sets \(name) in two \(payloadType) payloads, so which value applies is not "
                            + "clear; keep one")
                }
            }
        }
        guard !merged.isEmpty else {
            throw .malformed(
                "\(source) is a configuration profile without a \(payloadType) payload; add the keys to that payload")
        }
        return try readable(merged, source: source)
    }

    /// `object` as JSON values, refusing a configuration key (at the top or in `enterpriseConfig`)
    /// whose value holds something that is not a configuration value.
    private static func readable(_ object: [String: Value], source: String) throws(ConfigurationError) -> [String:
        JSONValue]
    {
        var checked = [object]
        if case .dictionary(let enterprise)? = object["enterpriseConfig"] { checked.append(enterprise) }
        for dictionary in checked {
            for (name, value) in dictionary {
                guard let key = ConfigurationKey.named(name) else { continue }
                if let kind = value.unreadable {
                    throw .invalid(
                        "\(name) (from \(source)) is \(kind), which is not a configuration value; expected "
                            + key.expected)
                }
            }
        }
        return object.mapValues(\.json)
    }

    /// A property-list value: strings first, as managed stores keep them; dates, data and numbers
    /// no Swift number holds are kept as what they are, so a configuration key holding one is reported.
    private indirect enum Value: Decodable, Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case array([Value])
        case dictionary([String: Value])
        /// What the value is ("a date"), when it is none of the above.
        case other(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let number = try? container.decode(Int.self) {
                self = .number(Double(number))
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let items = try? container.decode([Value].self) {
                self = .array(items)
            } else if let entries = try? container.decode([String: Value].self) {
                self = .dictionary(entries)
            } else if (try? container.decode(Date.self)) != nil {
                self = .other("a date")
            } else if (try? container.decode(Data.self)) != nil {
                self = .other("data")
            } else {
                self = .other("a value that cannot be read (such as an integer too large for any number)")
            }
        }

        /// What the first unreadable part of the value is, if it has one.
        var unreadable: String? {
            switch self {
            case .other(let kind): kind
            case .array(let items): items.lazy.compactMap(\.unreadable).first
            case .dictionary(let entries): entries.values.lazy.compactMap(\.unreadable).first
            default: nil
            }
        }

        /// The value as JSON; an unreadable part (outside the configuration keys) reads as null.
        var json: JSONValue {
            switch self {
            case .string(let text): .string(text)
            case .number(let number): .number(number)
            case .bool(let flag): .bool(flag)
            case .array(let items): .array(items.map(\.json))
            case .dictionary(let entries): .object(entries.mapValues(\.json))
            case .other: .null
            }
        }
    }
}
