import NIOCore

/// The chunked transfer coding's size lines (RFC 9112 §7.1), read the same way for requests and responses.
package enum ChunkedCoding {
    /// The size a chunk-size line gives: hexadecimal digits, then possibly well-formed extensions
    /// (`;name=value`, ignored); nil when the line is not one.
    package static func size(_ line: ByteBuffer) -> Int? {
        line.withUnsafeReadableBytes { raw -> Int? in
            var size = 0
            var index = 0
            while index < raw.count, let digit = hexValue(raw[index]) {
                guard index < 15 else { return nil }
                size = size * 16 + digit
                index += 1
            }
            guard index > 0, extensionsAreValid(raw, from: index) else { return nil }
            return size
        }
    }

    /// `*( ";" name [ "=" value ] )` with token names and token or quoted-string values
    /// (RFC 9112 §7.1.1, without the optional blanks, which llhttp refuses after the size and inside),
    /// then nothing: so that both read a chunk line alike.
    private static func extensionsAreValid(_ raw: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var index = start
        func token() -> Bool {
            let first = index
            while index < raw.count, HeaderLines.isTokenByte(raw[index]) { index += 1 }
            return index > first
        }
        func quotedString() -> Bool {
            index += 1
            while index < raw.count, raw[index] != quote {
                if raw[index] == backslash { index += 1 }
                guard index < raw.count, raw[index] == tab || (raw[index] >= space && raw[index] != 127) else {
                    return false
                }
                index += 1
            }
            guard index < raw.count else { return false }
            index += 1
            return true
        }
        while index < raw.count {
            guard raw[index] == semicolon else { return false }
            index += 1
            guard token() else { return false }
            guard index < raw.count, raw[index] == equals else { continue }
            index += 1
            guard index < raw.count, raw[index] == quote ? quotedString() : token() else { return false }
        }
        return true
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let semicolon = UInt8(ascii: ";")
    private static let equals = UInt8(ascii: "=")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
