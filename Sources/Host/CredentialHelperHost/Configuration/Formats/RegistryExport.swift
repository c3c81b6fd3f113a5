import CredentialHelperProtocol

/// A Windows registry export (`.reg`), as `regedit /e` writes it: UTF-16LE with a byte-order mark
/// and CRLF line ends ("Windows Registry Editor Version 5.00"), or the same text in UTF-8 (with or
/// without a BOM; "REGEDIT4" files too).
///
/// The desktop app's managed values live in `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude` (machine)
/// and `HKEY_CURRENT_USER\SOFTWARE\Policies\Claude` (user), every value a `REG_SZ` string
/// (docs/configuration.md). The host's configuration reader reads those; ``parse(_:)`` gives every
/// section, so a `.reg` writer can read back what it wrote.
public enum RegistryExport {
    /// The policy key of the desktop app, below `HKEY_LOCAL_MACHINE` or `HKEY_CURRENT_USER`.
    public static let policyKey = #"SOFTWARE\Policies\Claude"#

    /// One value of a section.
    public enum Value: Sendable, Hashable {
        /// `"name"="text"`: `REG_SZ`, the type the app reads for every key.
        case string(String)
        /// `"name"=dword:0000002a`: `REG_DWORD`, which the app reads as its decimal value.
        case dword(UInt32)
        /// `"name"=hex(7):…` and other hex forms: the type's name (`hex(7)`), data not decoded.
        case binary(type: String)
        /// `"name"=-`: the value is deleted on import.
        case deleted
    }

    /// One `[key]` section: its path, whether it deletes the key (`[-key]`), and its named values in
    /// file order (the default value `@` is not kept).
    public struct Section: Sendable, Hashable {
        /// The key's path as written, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude`.
        public let path: String
        /// Whether the section deletes the key (`[-path]`).
        public let deletesKey: Bool
        /// The named values, in file order.
        public let values: [(name: String, value: Value)]

        public static func == (lhs: Section, rhs: Section) -> Bool {
            lhs.path == rhs.path && lhs.deletesKey == rhs.deletesKey
                && lhs.values.elementsEqual(rhs.values) { $0.name == $1.name && $0.value == $1.value }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(path)
            hasher.combine(deletesKey)
            for value in values {
                hasher.combine(value.name)
                hasher.combine(value.value)
            }
        }
    }

    /// Why an export could not be read: a sentence with the line number where it applies.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, e.g. "line 4: a value name must be in double quotes".
        public let description: String
    }

    /// Whether `bytes` look like a registry export (UTF-16LE with BOM, or text starting with the
    /// regedit header).
    public static func looksLikeRegistryExport(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFF, 0xFE]) { return true }
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        return text.starts(with: Array("Windows Registry Editor".utf8)) || text.starts(with: Array("REGEDIT4".utf8))
    }

    /// The sections of the export in `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(Refusal) -> [Section] {
        let text = try decode(bytes)
        var lines = logicalLines(text)
        guard let header = lines.first.map({ String($0.text).trimmingASCIIWhitespace() }),
            header == "Windows Registry Editor Version 5.00" || header == "REGEDIT4"
        else {
            throw Refusal(
                description: "the first line is not \"Windows Registry Editor Version 5.00\" (or \"REGEDIT4\"); "
                    + "export the key again with regedit")
        }
        lines.removeFirst()
        var sections: [Section] = []
        var current: (path: String, deletes: Bool, values: [(name: String, value: Value)])?
        var names = Set<String>()
        for line in lines {
            let trimmed = String(line.text).trimmingASCIIWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count >= 3 else {
                    throw Refusal(description: "line \(line.number): a key line must look like [HKEY_…\\path]")
                }
                if let done = current {
                    sections.append(Section(path: done.path, deletesKey: done.deletes, values: done.values))
                }
                var path = String(trimmed.dropFirst().dropLast())
                let deletes = path.hasPrefix("-")
                if deletes { path.removeFirst() }
                guard !path.trimmingASCIIWhitespace().isEmpty else {
                    throw Refusal(description: "line \(line.number): a key line names no key")
                }
                current = (path, deletes, [])
                names = []
                continue
            }
            guard current != nil else {
                throw Refusal(description: "line \(line.number): a value before any [key] line")
            }
            guard let (name, value) = try valueLine(trimmed, number: line.number) else { continue }
            guard names.insert(name.lowercased()).inserted else {
                throw Refusal(
                    description: "line \(line.number): the value \"\(shown(name))\" is set twice in one key, so which "
                        + "applies is not clear; keep one")
            }
            current?.values.append((name, value))
        }
        if let done = current {
            sections.append(Section(path: done.path, deletesKey: done.deletes, values: done.values))
        }
        return sections
    }

    /// The app's values in the export, read as the app reads the registry (docs/configuration.md):
    /// when `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude` holds any value, that hive alone applies and
    /// `HKEY_CURRENT_USER\SOFTWARE\Policies\Claude` is ignored entirely (warned about); otherwise the
    /// user hive applies. `REG_SZ` values are read as they are, `REG_DWORD` as its decimal value. A
    /// `REG_EXPAND_SZ` value counts toward machine policy being present but cannot be read;
    /// `REG_QWORD`, `REG_MULTI_SZ` and `REG_BINARY` are not seen at all; a subkey of the policy key
    /// is never read. Each of those is warned about when it names a configuration key.
    /// `machinePolicy` says which hive the values came from: true for `HKEY_LOCAL_MACHINE`.
    static func configurationValues(
        _ bytes: [UInt8], source: String, warnings: inout [String], machinePolicy: inout Bool
    ) throws(ConfigurationError) -> [String: JSONValue] {
        let sections: [Section]
        do {
            sections = try parse(bytes)
        } catch {
            throw .malformed("\(source) is not a registry export regedit can import: \(error.description)")
        }
        var hives: [Bool: [String: JSONValue]] = [:]
        var machinePresent = false
        var found = false
        for section in sections where !section.deletesKey {
            let hive = section.path.split(separator: "\\", maxSplits: 1).first.map { $0.uppercased() } ?? ""
            var rest = section.path.split(separator: "\\", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            while rest.hasSuffix("\\") { rest.removeLast() }
            let isMachine = hive == "HKEY_LOCAL_MACHINE" || hive == "HKLM"
            guard isMachine || hive == "HKEY_CURRENT_USER" || hive == "HKCU" else { continue }
            if rest.lowercased().hasPrefix(policyKey.lowercased() + "\\") {
                if section.values.contains(where: { ConfigurationKey.named($0.name) != nil }) {
                    warnings.append(
                        "\(source): the key [\(shown(section.path))] is ignored: the app never reads subkeys; put the "
                            + "values directly under \(hive)\\\(policyKey)")
                }
                continue
            }
            guard rest.lowercased() == policyKey.lowercased() else { continue }
            found = true
            for (name, value) in section.values {
                let json: JSONValue
                switch value {
                case .string(let text): json = .string(text)
                case .dword(let number): json = .string(String(number))
                case .deleted: continue
                case .binary(let type):
                    if isMachine, type == "hex(2)" { machinePresent = true }
                    if ConfigurationKey.named(name) != nil {
                        warnings.append(
                            "\(source): \(name) is a \(typeName(value)) value, which the app "
                                + (type == "hex(2)" ? "cannot read" : "does not see at all")
                                + "; write it as REG_SZ, e.g. \"\(name)\"=\"…\"")
                    }
                    continue
                }
                if isMachine { machinePresent = true }
                hives[isMachine, default: [:]][name] = json
            }
        }
        guard found else {
            throw .malformed(
                "\(source) has no HKEY_LOCAL_MACHINE\\\(policyKey) or HKEY_CURRENT_USER\\\(policyKey) key; export "
                    + "that key with regedit")
        }
        let user = hives[false] ?? [:]
        machinePolicy = machinePresent
        guard machinePresent else { return user }
        let ignored = user.keys.filter { ConfigurationKey.named($0) != nil }.sorted()
        if !ignored.isEmpty {
            warnings.append(
                "\(source): HKEY_CURRENT_USER\\\(policyKey) is ignored (\(ignored.joined(separator: ", "))): machine "
                    + "policy is present, and the app then reads HKEY_LOCAL_MACHINE alone; move these values there")
        }
        return hives[true] ?? [:]
    }

    private static func typeName(_ value: Value) -> String {
        switch value {
        case .string: "REG_SZ"
        case .dword: "REG_DWORD (dword:)"
        case .binary(let type):
            switch type {
            case "hex(2)": "REG_EXPAND_SZ (hex(2):)"
            case "hex(7)": "REG_MULTI_SZ (hex(7):)"
            case "hex(b)": "REG_QWORD (hex(b):)"
            case "hex", "hex(3)": "REG_BINARY (\(type):)"
            default: "binary (\(type):)"
            }
        case .deleted: "deleted"
        }
    }

    /// The text of `bytes`: UTF-16LE after an `FF FE` mark, else UTF-8 (a BOM is skipped).
    private static func decode(_ bytes: [UInt8]) throws(Refusal) -> String {
        if bytes.starts(with: [0xFF, 0xFE]) {
            let body = bytes.dropFirst(2)
            guard body.count % 2 == 0 else {
                throw Refusal(description: "it is UTF-16 with an odd number of bytes; export it again")
            }
            var units: [UInt16] = []
            units.reserveCapacity(body.count / 2)
            var index = body.startIndex
            while index < body.endIndex {
                units.append(UInt16(body[index]) | UInt16(body[index + 1]) << 8)
                index += 2
            }
            guard let text = String(validating: units, as: UTF16.self) else {
                throw Refusal(description: "it is not valid UTF-16 (a broken surrogate pair); export it again")
            }
            return text
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw Refusal(description: "it is neither UTF-16 with a byte-order mark nor valid UTF-8; export it again")
        }
        return text
    }

    /// The lines of `text` (CRLF or LF), with hex data continued by a trailing `\` joined, each with
    /// the number of its first physical line.
    private static func logicalLines(_ text: String) -> [(number: Int, text: Substring)] {
        var result: [(number: Int, text: Substring)] = []
        var pending: (number: Int, text: String)?
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        let physical = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, raw) in physical.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = String(line).trimmingASCIIWhitespace()
            let continues = trimmed.hasSuffix("\\") && (pending != nil || trimmed.lowercased().contains("=hex"))
            let piece = continues ? String(trimmed.dropLast()) : (pending == nil ? String(line) : trimmed)
            if var open = pending {
                open.text += piece
                pending = continues ? open : nil
                if !continues { result.append((open.number, Substring(open.text))) }
            } else if continues {
                pending = (offset + 1, piece)
            } else {
                result.append((offset + 1, Substring(piece)))
            }
        }
        if let open = pending { result.append((open.number, Substring(open.text))) }
        return result
    }

    /// A `"name"=value` line (`@=` default values give nil).
    private static func valueLine(_ line: String, number: Int) throws(Refusal) -> (String, Value)? {
        var rest = Substring(line)
        if rest.hasPrefix("@") {
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard rest.hasPrefix("=") else {
                throw Refusal(description: "line \(number): \"@\" (the default value) must be followed by =")
            }
            _ = try value(String(rest.dropFirst()), number: number)
            return nil
        }
        guard rest.hasPrefix("\"") else {
            throw Refusal(description: "line \(number): a value name must be in double quotes, like \"name\"=\"value\"")
        }
        let (name, afterName) = try quoted(rest, number: number)
        rest = afterName.drop { $0 == " " || $0 == "\t" }
        guard rest.hasPrefix("=") else {
            throw Refusal(description: "line \(number): the value name \"\(shown(name))\" must be followed by =")
        }
        return (name, try value(String(rest.dropFirst()), number: number))
    }

    private static func value(_ text: String, number: Int) throws(Refusal) -> Value {
        let data = Substring(text).drop { $0 == " " || $0 == "\t" }
        if data.hasPrefix("\"") {
            let (string, after) = try quoted(data, number: number)
            guard after.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                throw Refusal(description: "line \(number): text after the closing quote of a string value")
            }
            return .string(string)
        }
        if data == "-" { return .deleted }
        let lower = data.lowercased()
        if lower.hasPrefix("dword:") {
            let digits = lower.dropFirst("dword:".count)
            guard digits.count == 8, let number = UInt32(digits, radix: 16) else {
                throw Refusal(description: "line \(number): dword: must be followed by 8 hex digits")
            }
            return .dword(number)
        }
        if lower.hasPrefix("hex"), let colon = lower.firstIndex(of: ":") {
            let type = String(lower[..<colon])
            guard type == "hex" || (type.hasPrefix("hex(") && type.hasSuffix(")") && type.count <= 8) else {
                throw Refusal(description: "line \(number): an unknown value type \"\(shown(type))\"")
            }
            return .binary(type: type)
        }
        throw Refusal(
            description:
                "line \(number): a value must be \"text\", dword:XXXXXXXX, hex…: or -; strings need double quotes")
    }

    /// The quoted string at the start of `text` (which starts with `"`), with regedit's escapes
    /// (`\\` and `\"`) undone, and what follows the closing quote.
    private static func quoted(_ text: Substring, number: Int) throws(Refusal) -> (String, Substring) {
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (result, text[text.index(after: index)...]) }
            if character == "\\" {
                let next = text.index(after: index)
                guard next < text.endIndex, text[next] == "\\" || text[next] == "\"" else {
                    throw Refusal(
                        description:
                            "line \(number): a backslash in a quoted string must be doubled (\\\\) or escape a "
                            + "quote (\\\")")
                }
                result.append(text[next])
                index = text.index(after: next)
                continue
            }
            result.append(character)
            index = text.index(after: index)
        }
        throw Refusal(description: "line \(number): a quoted string has no closing quote")
    }

    private static func shown(_ text: String) -> String {
        VisibleText.of(text.count > 80 ? String(text.prefix(80)) + "…" : text)
    }
}
