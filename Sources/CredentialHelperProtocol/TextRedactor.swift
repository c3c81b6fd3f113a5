/// Redacts secrets from free text (a helper's stderr, a stray stdout line) before it is shown.
///
/// The rules: every known secret is replaced by its redacted form; a long word that looks like a
/// credential (20+ characters mixing letters and digits, or any word of 32+ characters) is redacted;
/// and the word after `bearer`, `token`, `secret`, `password` or `key` followed by `=`, `:` or a
/// space is redacted when it is 6 or more characters long.
public struct TextRedactor: Sendable {
    private let knownSecrets: [String]

    /// A redactor that also replaces each of `knownSecrets` wherever it appears.
    public init(knownSecrets: [Secret] = []) {
        self.knownSecrets = knownSecrets.map { $0.reveal() }.filter { $0.count >= 4 }
    }

    /// `text` with secrets redacted and control characters replaced by `?`, cut to `maxLength` characters.
    public func redact(_ text: String, maxLength: Int = 300) -> String {
        var text = text
        for secret in knownSecrets { text = text.replacing(secret, with: Secret.redact(secret)) }
        var output = ""
        var word = ""
        var redactNextWord = false
        func flushWord() {
            guard !word.isEmpty else { return }
            let isKeyword = Self.keywords.contains { word.lowercased().hasSuffix($0) }
            if !isKeyword && (redactNextWord && word.count >= 6 || Self.looksLikeCredential(word)) {
                output += Secret.redact(word)
                redactNextWord = false
            } else {
                output += word
                redactNextWord = isKeyword
            }
            word = ""
        }
        for character in text {
            if Self.isWordCharacter(character) {
                word.append(character)
                continue
            }
            flushWord()
            if !(character == "=" || character == ":" || character == " " || character == "\"" || character == "'") {
                redactNextWord = false
            }
            output.append(
                character.isASCII && (character.asciiValue ?? 0) < 0x20 && character != "\t" ? "?" : character)
        }
        flushWord()
        return output.count > maxLength ? String(output.prefix(maxLength)) + "…" : output
    }

    private static let keywords = ["bearer", "token", "secret", "password", "passwd", "key", "authorization"]

    private static func isWordCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        switch ascii {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~+/".utf8.contains(ascii)
        }
    }

    private static func looksLikeCredential(_ word: String) -> Bool {
        if word.count >= 32 { return true }
        guard word.count >= 20 else { return false }
        return word.contains(where: \.isLetter) && word.contains(where: \.isNumber)
    }
}
