import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A header section as bytes: `name: value` lines, each ended by CRLF (without the start line and
/// the empty line after the section). Read without building strings, so headers can be checked
/// and forwarded as they arrived.
package struct HeaderLines {
    /// One line: where its name and value (without the blanks around it) lie in the section.
    package struct Field {
        package let line: Range<Int>
        package let name: Range<Int>
        package let value: Range<Int>
    }

    /// The section's bytes (reader index 0 is its first byte).
    package let bytes: ByteBuffer

    package init(_ bytes: ByteBuffer) { self.bytes = bytes }

    /// What is wrong with `field`'s shape (RFC 9112 §5): a name that is not a token (this includes
    /// a folded line), or a control character in the value; nil when nothing is.
    package static func problem(_ field: Field, _ raw: UnsafeRawBufferPointer) -> String? {
        guard !field.name.isEmpty, let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return "a header line without a valid name"
        }
        var index = field.name.lowerBound
        while index < field.name.upperBound {
            if !isTokenByte(base[index]) { return "a header line without a valid name" }
            index &+= 1
        }
        index = field.value.lowerBound
        while index < field.value.upperBound {
            if isControl(base[index]) { return "a header value with a control character" }
            index &+= 1
        }
        return nil
    }

    /// What is wrong with one header or trailer line (without its CRLF), or nil: the same checks as
    /// ``problem(_:_:)``. Trailers are read and dropped, but a malformed one means the framing is not
    /// what it seems, as it does to llhttp.
    package static func lineProblem(_ line: ByteBuffer) -> String? {
        var problem: String?
        HeaderLines(line).forEach { field, raw in
            problem = problem ?? Self.problem(field, raw)
            // Framing fields are never allowed in trailers (RFC 9110 §6.5.1).
            let name = raw[field.name]
            if equalsIgnoringCase(name, "content-length") || equalsIgnoringCase(name, "transfer-encoding") {
                problem = problem ?? "a framing field (Content-Length or Transfer-Encoding)"
            }
        }
        return problem
    }

    /// A control character other than horizontal tab, or DEL: never in a header value.
    package static func isControl(_ byte: UInt8) -> Bool { (byte < 32 && byte != 9) || byte == 127 }

    /// Calls `body` with each line and the section's raw bytes.
    package func forEach(_ body: (Field, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeReadableBytes { raw in
            let count = raw.count
            var start = 0
            while start < count {
                // The line ends at the first CRLF (a bare CR stays in it, and is refused as a control character).
                var end = start
                while true {
                    end = Self.index(of: 13, in: raw, from: end) ?? count
                    if end + 1 >= count { end = count; break }  // a last line without CRLF
                    if raw[end + 1] == 10 { break }
                    end += 1
                }
                // A line without a colon gets an empty name, which ``problem(_:_:)`` refuses.
                let colon = Self.index(of: UInt8(ascii: ":"), in: raw, from: start, to: end)
                let nameEnd = colon ?? start
                var valueStart = colon.map { $0 + 1 } ?? end
                var valueEnd = end
                while valueStart < valueEnd, raw[valueStart] == 32 || raw[valueStart] == 9 { valueStart += 1 }
                while valueEnd > valueStart, raw[valueEnd - 1] == 32 || raw[valueEnd - 1] == 9 { valueEnd -= 1 }
                body(
                    Field(
                        line: start..<Swift.min(end + 2, count), name: start..<nameEnd, value: valueStart..<valueEnd),
                    raw)
                start = end + 2
            }
        }
    }

    /// The first index of `byte` in `raw[start..<end]` (default: to the end).
    package static func index(of byte: UInt8, in raw: UnsafeRawBufferPointer, from start: Int, to end: Int? = nil)
        -> Int?
    {
        let end = end ?? raw.count
        guard start < end, let base = raw.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether `bytes` equal the lowercase ASCII `lowercase`, ignoring case.
    package static func equalsIgnoringCase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        let raw = bytes.base
        var index = bytes.startIndex
        var offset = 0
        while index < bytes.endIndex {
            let byte = raw[index]
            guard (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) == expected[offset] else { return false }
            index += 1
            offset += 1
        }
        return true
    }

    /// A non-negative decimal number of at most 18 digits (a `Content-Length`), or nil.
    package static func decimal(_ bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    /// A Content-Length value: ``decimal(_:)`` of the value, refused (nil) when the line has a tab
    /// around it (see ``hasTabAroundValue(_:_:)``).
    package static func contentLength(_ field: Field, _ raw: UnsafeRawBufferPointer) -> Int? {
        hasTabAroundValue(field, raw) ? nil : decimal(raw[field.value])
    }

    /// Whether a tab stands between the colon and the value, or after the value: llhttp refuses
    /// one in the framing headers (Content-Length, Transfer-Encoding), and the two must read them alike.
    package static func hasTabAroundValue(_ field: Field, _ raw: UnsafeRawBufferPointer) -> Bool {
        raw[field.name.upperBound..<field.value.lowerBound].contains(tab)
            || raw[field.value.upperBound..<field.line.upperBound].contains(tab)
    }

    /// Whether a list value has an empty element (`chunked,` or `, chunked`): allowed by RFC 9110
    /// §5.6.1, but llhttp reads `chunked,` as not ending in chunked, so a Transfer-Encoding with one
    /// is refused.
    package static func hasEmptyListElement(_ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
        bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).contains { element in
            element.allSatisfy { $0 == 32 || $0 == tab }
        }
    }

    /// Bytes the header grammar names.
    package static let tab = UInt8(ascii: "\t")

    /// The comma-separated elements of a list value (RFC 9110 §5.6.1), without blanks, lowercased.
    package static func listElements(_ bytes: Slice<UnsafeRawBufferPointer>) -> [String] {
        bytes.split(separator: UInt8(ascii: ",")).compactMap { element in
            let trimmed = element.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
            return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self).lowercased()
        }
    }

    /// What `Connection` headers list (RFC 9110 §7.6.1): `close`, `keep-alive`, and the names of
    /// headers that are hop-by-hop for this message.
    package struct ConnectionOptions {
        package var close = false
        package var keepAlive = false
        /// The header names listed (lowercase).
        package var names: [String] = []

        /// Adds the options one `Connection` value lists. Allocates only for header names.
        package mutating func add(_ value: Slice<UnsafeRawBufferPointer>) {
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
    package static func isTokenByte(_ byte: UInt8) -> Bool {
        let below64: UInt64 = 0x03FF_6CFA_0000_0000
        let from64: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        return byte < 64 ? (below64 &>> byte) & 1 == 1 : byte < 128 && (from64 &>> (byte &- 64)) & 1 == 1
    }
}
