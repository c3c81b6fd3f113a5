/// Untrusted text made safe to put in a message for a terminal or a log: every scalar a terminal
/// acts on or reorders text by rather than shows becomes `?`, so it cannot move the cursor, clear
/// the screen, fake a line or disguise the text. The one rule for such text across the package.
public enum VisibleText {
    /// `text` with each hidden scalar (``isHidden(_:)``) replaced by `?`, cut after `limit`
    /// characters with `…`.
    public static func of(_ text: some StringProtocol, limit: Int = .max) -> String {
        let shown = String(String.UnicodeScalarView(text.unicodeScalars.map { isHidden($0) ? "?" : $0 }))
        return shown.count > limit ? String(shown.prefix(limit)) + "…" : shown
    }

    /// Whether `text` has no hidden scalar, so it can be shown as it is.
    public static func isVisible(_ text: some StringProtocol) -> Bool {
        !text.unicodeScalars.contains(where: isHidden)
    }

    /// Whether `scalar` is one a terminal acts on or reorders text by rather than shows: a C0 or C1
    /// control, DEL, a bidirectional control, or a line or paragraph separator.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
