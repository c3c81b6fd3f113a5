import Crypto

/// A UUID derived from a name (RFC 9562 §5.5, version 5: SHA-1 of a namespace and the name), so that
/// the same answers always give the same profile and configuration identifiers.
enum NameBasedUUID {
    /// The RFC 9562 URL namespace; names here are `credhelper:` followed by what they identify.
    private static let namespace: [UInt8] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    ]

    /// The version-5 UUID of `name`, upper-case as Apple's tools write them.
    static func make(_ name: String) -> String {
        var bytes = Array(Insecure.SHA1.hash(data: namespace + Array(("credhelper:" + name).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(
            separator: "-")
    }
}
