#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Finds a key that appears twice in one JSON object. Foundation's decoder keeps one of the two
/// silently; a credential answer or a profiles file whose meaning depends on which one is kept must be
/// refused instead.
///
/// Run it only on text that ``JSONValue/decode(_:)`` accepted: it tracks strings and nesting, not
/// grammar, and relies on the text being valid JSON.
public enum JSONDuplicateKeys {
    private enum Frame {
        case object(keys: Set<String>, expectingKey: Bool)
        case array
    }

    /// The first key found twice in the same object (escapes decoded), or nil.
    public static func first(in json: [UInt8]) -> String? {
        var stack: [Frame] = []
        var index = 0
        while index < json.count {
            switch json[index] {
            case UInt8(ascii: "{"): stack.append(.object(keys: [], expectingKey: true))
            case UInt8(ascii: "["): stack.append(.array)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","):
                if case .object(let keys, _) = stack.last {
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: true)
                }
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < json.count, json[index] != UInt8(ascii: "\"") {
                    index += json[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard case .object(var keys, true) = stack.last else { break }
                let key = decodeKey(json[start...min(index, json.count - 1)])
                if keys.contains(key) { return key }
                keys.insert(key)
                stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
            default: break
            }
            index += 1
        }
        return nil
    }

    /// A key's text: the bytes between the quotes, or the decoded string when it holds escapes.
    private static func decodeKey(_ literal: ArraySlice<UInt8>) -> String {
        let inner = literal.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        return (try? JSONDecoder().decode(String.self, from: Data(literal))) ?? String(decoding: inner, as: UTF8.self)
    }
}
