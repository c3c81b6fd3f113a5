/// Untrusted text made safe to put in a message for a terminal or a log: every control character
/// (C0 and DEL) becomes `?`, so it cannot move the cursor, clear the screen or fake a line.
public enum VisibleText {
    /// `text` with each control character replaced by `?`.
    public static func of(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
