/// XML property lists written by hand, as Apple's tools lay them out (tabs, a fixed key order), so
/// the output is the same on every platform and byte for byte stable.
enum PropertyListText {
    /// One entry of a dictionary: a string or integer value, or a nested array of dictionaries.
    enum Value {
        case string(String)
        case integer(Int)
        case dictionaries([[(key: String, value: Value)]])
    }

    /// A whole document whose root is the dictionary `entries`.
    static func document(_ entries: [(key: String, value: Value)]) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">

        """ + dictionary(entries, depth: 0) + "</plist>\n"
    }

    private static func dictionary(_ entries: [(key: String, value: Value)], depth: Int) -> String {
        let indent = String(repeating: "\t", count: depth)
        var text = indent + "<dict>\n"
        for entry in entries {
            text += indent + "\t<key>" + escaped(entry.key) + "</key>\n"
            switch entry.value {
            case .string(let string): text += indent + "\t<string>" + escaped(string) + "</string>\n"
            case .integer(let number): text += indent + "\t<integer>\(number)</integer>\n"
            case .dictionaries(let items):
                text += indent + "\t<array>\n"
                for item in items { text += dictionary(item, depth: depth + 2) }
                text += indent + "\t</array>\n"
            }
        }
        return text + indent + "</dict>\n"
    }

    /// `text` with the characters XML gives a meaning escaped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }
}
