import NIOCore

/// The chunked transfer coding's size lines (RFC 9112 §7.1), read the same way for requests and responses.
enum ChunkedCoding {
    /// The size a chunk-size line gives: hexadecimal digits, then possibly blanks and extensions
    /// (`;name=value`, ignored); nil when the line is not one.
    static func size(_ line: ByteBuffer) -> Int? {
        line.withUnsafeReadableBytes { raw -> Int? in
            var size = 0
            var index = 0
            while index < raw.count, let digit = hexValue(raw[index]) {
                guard index < 15 else { return nil }
                size = size * 16 + digit
                index += 1
            }
            guard index > 0 else { return nil }
            while index < raw.count, raw[index] == 32 || raw[index] == 9 { index += 1 }
            guard index == raw.count || raw[index] == UInt8(ascii: ";"),
                !raw[index...].contains(where: { ($0 < 32 && $0 != 9) || $0 == 127 })
            else { return nil }
            return size
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
