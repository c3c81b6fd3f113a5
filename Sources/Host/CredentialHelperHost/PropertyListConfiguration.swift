import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Configuration kept where macOS hosts keep it: a managed-preferences property list
/// (`/Library/Managed Preferences/<user>/com.anthropic.claudefordesktop.plist`, XML or binary), or a
/// `.mobileconfig` profile whose payload of type `com.anthropic.claudefordesktop` holds the keys.
/// Managed stores keep every value as a string; native plist types are accepted too.
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
    static func values(_ bytes: [UInt8], source: String) throws(HelperError) -> [String: JSONValue] {
        let root: Value
        do {
            root = try PropertyListDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw .configuration("\(source) is not a valid property list (XML or binary); export it again")
        }
        guard case .object(let object) = root.json else {
            throw .configuration("\(source) holds \(root.json.typeName); expected a dictionary of configuration keys")
        }
        guard case .array(let payloads)? = object["PayloadContent"] else { return object }
        var merged: [String: JSONValue] = [:]
        for case .object(let payload) in payloads where payload["PayloadType"] == .string(payloadType) {
            merged.merge(payload) { $1 }
        }
        guard !merged.isEmpty else {
            throw .configuration(
                "\(source) is a configuration profile without a \(payloadType) payload; add the keys to that payload")
        }
        return merged
    }

    /// A property-list value: strings first, as managed stores keep them; dates and data are not
    /// configuration values and read as null (ignored).
    private struct Value: Decodable {
        let json: JSONValue

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                json = .string(text)
            } else if let number = try? container.decode(Int.self) {
                json = .number(Double(number))
            } else if let number = try? container.decode(Double.self) {
                json = .number(number)
            } else if let flag = try? container.decode(Bool.self) {
                json = .bool(flag)
            } else if let items = try? container.decode([Value].self) {
                json = .array(items.map(\.json))
            } else if let entries = try? container.decode([String: Value].self) {
                json = .object(entries.mapValues(\.json))
            } else {
                json = .null
            }
        }
    }
}
