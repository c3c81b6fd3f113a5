import NIOCore

/// A header section as bytes: `name: value` lines, each ended by CRLF (without the start line and
/// the empty line after the section). Read without building strings, so headers can be checked
/// and forwarded as they arrived.
struct HeaderLines {
    /// One line: where its name and value (without the blanks around it) lie in the section.
    struct Field {
        let line: Range<Int>
        let name: Range<Int>
        let value: Range<Int>
    }

    /// The section's bytes (reader index 0 is its first byte).
    let bytes: ByteBuffer

    init(_ bytes: ByteBuffer) { self.bytes = bytes }

    /// What is wrong with `field`'s shape (RFC 9112 §5): a name that is not a token (this includes
    /// a folded line), or a control character in the value; nil when nothing is.
    static func problem(_ field: Field, _ raw: UnsafeRawBufferPointer) -> String? {
        if field.name.isEmpty || !raw[field.name].allSatisfy(isTokenByte) {
            return "a header line without a valid name"
        }
        if raw[field.value].contains(where: { ($0 < 32 && $0 != 9) || $0 == 127 }) {
            return "a header value with a control character"
        }
        return nil
    }

    /// Calls `body` with each line and the section's raw bytes.
    func forEach(_ body: (Field, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeReadableBytes { raw in
            var start = 0
            while start < raw.count {
                var end = start
                while end + 1 < raw.count, !(raw[end] == 13 && raw[end + 1] == 10) { end += 1 }
                if end + 1 >= raw.count { end = raw.count }  // a last line without CRLF
                // A line without a colon gets an empty name, which ``problem(_:_:)`` refuses.
                let colon = raw[start..<end].firstIndex(of: UInt8(ascii: ":"))
                let nameEnd = colon ?? start
                var valueStart = colon.map { $0 + 1 } ?? end
                var valueEnd = end
                while valueStart < valueEnd, raw[valueStart] == 32 || raw[valueStart] == 9 { valueStart += 1 }
                while valueEnd > valueStart, raw[valueEnd - 1] == 32 || raw[valueEnd - 1] == 9 { valueEnd -= 1 }
                body(
                    Field(
                        line: start..<Swift.min(end + 2, raw.count), name: start..<nameEnd, value: valueStart..<valueEnd
                    ),
                    raw)
                start = end + 2
            }
        }
    }

    /// Whether `bytes` equal the lowercase ASCII `lowercase`, ignoring case.
    static func equalsIgnoringCase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
        }
    }

    /// A non-negative decimal number of at most 18 digits (a `Content-Length`), or nil.
    static func decimal(_ bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    /// The comma-separated elements of a list value (RFC 9110 §5.6.1), without blanks, lowercased.
    static func listElements(_ bytes: Slice<UnsafeRawBufferPointer>) -> [String] {
        bytes.split(separator: UInt8(ascii: ",")).compactMap { element in
            let trimmed = element.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
            return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self).lowercased()
        }
    }

    /// What `Connection` headers list (RFC 9110 §7.6.1): `close`, `keep-alive`, and the names of
    /// headers that are hop-by-hop for this message.
    struct ConnectionOptions {
        var close = false
        var keepAlive = false
        /// The header names listed (lowercase).
        var names: [String] = []

        /// Adds the options one `Connection` value lists. Allocates only for header names.
        mutating func add(_ value: Slice<UnsafeRawBufferPointer>) {
            if HeaderLines.equalsIgnoringCase(value, "keep-alive") {
                keepAlive = true
                return
            }
            if HeaderLines.equalsIgnoringCase(value, "close") {
                close = true
                return
            }
            for option in HeaderLines.listElements(value) {
                switch option {
                case "close": close = true
                case "keep-alive": keepAlive = true
                default: names.append(option)
                }
            }
        }
    }

    /// tchar (RFC 9110 §5.6.2): letters, digits and the fifteen symbols RFC 9110 lists. One bit
    /// per byte value below 128, in two masks, so the check needs no table.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        let below64: UInt64 = 0x03FF_6CFA_0000_0000
        let from64: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        return byte < 64 ? (below64 >> byte) & 1 == 1 : byte < 128 && (from64 >> (byte - 64)) & 1 == 1
    }
}
