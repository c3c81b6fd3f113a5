/// A credential value that never prints itself.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show the redacted form
/// (the first four characters and `…`); call ``reveal()`` where the value must be sent.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps a secret value.
    public init(_ value: String) { self.value = value }

    /// The secret itself. Use only to put it on the wire or hand it to a trusted sink.
    public func reveal() -> String { value }

    /// The redacted form: the first four characters and `…`, or `…` alone for values too short to
    /// show any part of safely.
    public var redacted: String { Self.redact(value) }

    public var description: String { redacted }
    public var debugDescription: String { "Secret(\(redacted))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Redacts any string the way ``Secret`` prints itself.
    public static func redact(_ value: String) -> String {
        value.count >= 12 ? String(value.prefix(4)) + "…" : "…"
    }
}

extension Secret: Codable {
    /// Decodes a secret from a plain JSON string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the secret itself, as a plain JSON string: only for trusted sinks such as the
    /// 0600 token store.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
