/// One HTTP header: a name and a value.
public struct HeaderField: Sendable, Hashable {
    /// The header name, as given.
    public let name: String
    /// The header value.
    public let value: String

    /// Creates a header field. Validation is separate: see ``HeaderRules``.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The header rules of docs/protocol.md §4: RFC 9110 names, RFC 9110 field values (visible ASCII,
/// SP, HTAB and obs-text; no control character), and the hop-by-hop and framing headers that neither
/// a helper nor the custom headers may set.
public enum HeaderRules {
    /// Headers that describe the connection or the message framing. A helper or a custom header
    /// that names one of these is refused.
    public static let forbiddenNames: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection",
        "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    ]

    /// Whether `name` is an RFC 9110 token (`tchar`s only, at least one).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenCharacter)
    }

    /// Whether `value` is an RFC 9110 field value: visible ASCII, SP, HTAB and obs-text (bytes
    /// 0x80–0xFF) only — no CR, LF, NUL, ESC, DEL or any other control character.
    public static func isValidValue(_ value: String) -> Bool {
        firstControlCharacter(in: value) == nil
    }

    /// The first byte of `value` that a field value may not hold (a control character other than
    /// HTAB, or DEL), or nil.
    public static func firstControlCharacter(in value: String) -> UInt8? {
        value.utf8.first { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    /// Whether `name` is one of ``forbiddenNames`` (case-insensitively).
    public static func isForbidden(_ name: String) -> Bool {
        forbiddenNames.contains(name.lowercased())
    }

    /// Whether a header's value is likely secret and should print redacted
    /// (`Authorization`, `Cookie`, `x-api-key`, and names mentioning a token, secret, key or password).
    public static func isSensitive(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["authorization", "proxy-authorization", "cookie", "set-cookie"].contains(lower) { return true }
        return ["token", "secret", "key", "password", "signature", "session"].contains { lower.contains($0) }
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
