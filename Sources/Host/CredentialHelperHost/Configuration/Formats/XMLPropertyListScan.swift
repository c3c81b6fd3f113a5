import CredentialHelperProtocol

/// The element structure of an XML property list, read with the limits of ``PropertyListScan``:
/// every element but `<plist>` is one value, nesting is counted, and the text of each `<key>`
/// (entities and CDATA decoded) is compared with the other keys of its `<dict>`. It checks tags,
/// not the values' grammar, which Foundation's reader checks afterwards. A document type with an
/// internal subset (where entities are declared) is refused, so no entity can expand.
struct XMLPropertyListScan {
    typealias Refusal = PropertyListScan.Refusal

    /// An open element: its name, and for a `<dict>` the keys seen so far.
    private struct Open {
        let name: ArraySlice<UInt8>
        var keys: Set<String>?
    }

    private let bytes: [UInt8]
    private var index = 0
    private var open: [Open] = []
    /// The decoded text of the `<key>` being read, if one is open.
    private var key: [UInt8]?
    /// Elements opened at the top of the document, and values opened at depth 1.
    private var roots = 0
    private var topValues = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks the whole document, counting values into `budget`.
    mutating func check(_ budget: inout PropertyListScan.Budget) throws(Refusal) {
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") {
                try markup(&budget)
            } else if bytes[index] == UInt8(ascii: "&"), key != nil {
                try entity()
            } else {
                key?.append(bytes[index])
                index += 1
            }
        }
        if let last = open.last {
            throw Self.malformed(
                "it ends inside <\(VisibleText.of(String(decoding: last.name.prefix(40), as: UTF8.self)))>")
        }
        guard budget.values > 0 else { throw Self.malformed("it holds no value") }
    }

    /// One piece of markup at `index`: a declaration, comment, CDATA section, or tag.
    private mutating func markup(_ budget: inout PropertyListScan.Budget) throws(Refusal) {
        if starts(with: "<?") {
            index = try end(of: "?>")
        } else if starts(with: "<!--") {
            index = try end(of: "-->")
        } else if starts(with: "<![CDATA[") {
            let close = try end(of: "]]>")
            key?.append(contentsOf: bytes[(index + 9)..<(close - 3)])
            index = close
        } else if starts(with: "<!") {
            let close = try end(of: ">")
            guard !bytes[index..<close].contains(UInt8(ascii: "[")) else {
                throw Refusal(
                    description: "its document type declares entities or other markup (an internal subset), "
                        + "which a property list does not need; remove the part in [ ]")
            }
            index = close
        } else if starts(with: "</") {
            try closeTag()
        } else {
            try openTag(&budget)
        }
    }

    private mutating func openTag(_ budget: inout PropertyListScan.Budget) throws(Refusal) {
        let close = try tagEnd()
        let nameEnd = bytes[(index + 1)..<close].firstIndex { Self.isNameEnd($0) } ?? close
        let name = bytes[(index + 1)..<nameEnd]
        guard !name.isEmpty, key == nil else { throw Self.malformed("a tag is misplaced or has no name") }
        let empty = bytes[close - 2] == UInt8(ascii: "/")
        index = close
        // The outermost <plist> wraps the values; a <plist> anywhere else is one more value. Foundation
        // reads the first top-level value and ignores the rest, so a second one is refused.
        let wrapper = open.first?.name.elementsEqual("plist".utf8) == true ? 1 : 0
        if open.isEmpty { roots += 1 }
        if open.count == wrapper, !(open.isEmpty && name.elementsEqual("plist".utf8)) { topValues += 1 }
        guard roots == 1, topValues <= 1 else { throw Self.malformed("it has more than one top-level element") }
        if !(open.isEmpty && name.elementsEqual("plist".utf8)) { try budget.enter(depth: open.count - wrapper + 1) }
        if name.elementsEqual("key".utf8) {
            key = []
            if empty { try endKey() }
        }
        if !empty { open.append(Open(name: name, keys: name.elementsEqual("dict".utf8) ? [] : nil)) }
    }

    private mutating func closeTag() throws(Refusal) {
        let close = try end(of: ">")
        let name = bytes[(index + 2)..<(close - 1)].prefix { !Self.isNameEnd($0) }
        guard let last = open.popLast(), last.name.elementsEqual(name) else {
            throw Self.malformed("a closing tag does not match the open element")
        }
        index = close
        if name.elementsEqual("key".utf8) { try endKey() }
    }

    /// Adds the key just read to its dictionary's keys; one seen before is refused.
    private mutating func endKey() throws(Refusal) {
        let name = String(decoding: key ?? [], as: UTF8.self)
        key = nil
        guard let last = open.indices.last, open[last].keys != nil else { return }
        guard open[last].keys?.insert(name).inserted == true else { throw PropertyListScan.duplicate(name) }
    }

    /// A character reference or one of the five predefined entities, decoded into the key.
    private mutating func entity() throws(Refusal) {
        guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw Self.malformed("an & does not start an entity")
        }
        let name = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
        let predefined: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
        var decoded = predefined[name]
        if decoded == nil, name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            decoded = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
        guard let decoded else { throw Self.malformed("&\(VisibleText.of(name)); is not an entity of XML") }
        key?.append(contentsOf: decoded.utf8)
        index = semicolon + 1
    }

    /// The index just past the `>` ending the tag at `index`, skipping quoted attribute values.
    private func tagEnd() throws(Refusal) -> Int {
        var quote: UInt8?
        var position = index + 1
        while position < bytes.count {
            let byte = bytes[position]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return position + 1
            }
            position += 1
        }
        throw Self.malformed("a tag is not closed")
    }

    /// The index just past the next `terminator` after `index`.
    private func end(of terminator: String) throws(Refusal) -> Int {
        let pattern = Array(terminator.utf8)
        var position = index + 1
        while position + pattern.count <= bytes.count {
            if bytes[position..<(position + pattern.count)].elementsEqual(pattern) { return position + pattern.count }
            position += 1
        }
        throw Self.malformed("it ends before \(terminator)")
    }

    private func starts(with prefix: String) -> Bool { bytes[index...].starts(with: prefix.utf8) }

    private static func isNameEnd(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: ">")
    }

    private static func malformed(_ detail: String) -> Refusal {
        Refusal(description: "it is not a well-formed XML property list: \(detail)")
    }
}
