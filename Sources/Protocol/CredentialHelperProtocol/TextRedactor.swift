/// Redacts secrets from free text (a helper's stderr, a stray stdout line) before it is shown.
///
/// The rules: every known secret is replaced by its redacted form; a word that looks like a
/// credential is redacted (a well-known token prefix such as `sk-`, `ghp_` or `eyJ` on 8+
/// characters, 20+ characters mixing letters and digits, or any word of 32+ characters); and the word
/// after `bearer`, `token`, `secret`, `password` or `key` followed by `=`, `:` or a space is redacted
/// when it is 6 or more characters long.
///
/// A whole line is judged by ``redactLine(_:maxLength:showPlainWords:)``: a line that is one word could be a token
/// of any shape, so it is redacted whole; only lines with spaces (prose) are shown word by word.
public struct TextRedactor: Sendable {
    private let knownSecrets: [String]

    /// A redactor that also replaces each of `knownSecrets` wherever it appears, also as a JSON
    /// encoder that escapes `/` writes it (`\/`, as PHP's and some Java encoders do by default).
    public init(knownSecrets: [Secret] = []) {
        let plain = knownSecrets.map { $0.reveal() }.filter { $0.count >= 4 }
        let escaped = plain.filter { $0.contains("/") }.map { $0.replacing("/", with: "\\/") }
        self.knownSecrets = plain + escaped
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
        var index = text.startIndex
        while index < text.endIndex {
            if word.isEmpty, let url = Self.urlPrefix(text[index...]), let shown = redactURL(url) {
                output += shown
                redactNextWord = false
                index = url.endIndex
                continue
            }
            let character = text[index]
            index = text.index(after: index)
            if Self.isWordCharacter(character) {
                word.append(character)
                continue
            }
            flushWord()
            if !(character == "=" || character == ":" || character == " " || character == "\"" || character == "'") {
                redactNextWord = false
            }
            output.append(
                character != "\t" && character.unicodeScalars.contains(where: VisibleText.isHidden) ? "?" : character)
        }
        flushWord()
        return Self.cut(output, output.contains("://") ? max(maxLength, Self.longestURL) : maxLength)
    }

    /// URLs are shown whole up to this length, so a sign-in link stays usable.
    static let longestURL = 4096

    static func cut(_ text: String, _ maxLength: Int) -> String {
        text.count > maxLength ? String(text.prefix(maxLength)) + "…" : text
    }

    /// The `http(s)://` URL at the start of `text`, up to the first space, quote, angle bracket or
    /// control character.
    private static func urlPrefix(_ text: Substring) -> Substring? {
        let head = text.prefix(8).lowercased()
        guard head.hasPrefix("http://") || head.hasPrefix("https://") else { return nil }
        let end = text.firstIndex { character in
            guard let ascii = character.asciiValue else { return false }
            return ascii <= 0x20 || ascii == 0x7F || "\"'<>".utf8.contains(ascii)
        }
        return text[..<(end ?? text.endIndex)]
    }

    /// One line of a helper's output for display: redacted whole when it is a single word (it could
    /// be a token, however short or plain) or words joined by tabs, else word by word as
    /// ``redact(_:maxLength:)`` does.
    ///
    /// - Parameters:
    ///   - line: one line of output, without its line end.
    ///   - maxLength: the longest result, in characters; longer ones are cut and end with `…`.
    ///   - showPlainWords: for stderr, where the token is not expected: a single word of letters
    ///     only (at most 15, optionally ending in `.`, `!`, `?` or `:`) such as `Unauthorized` is
    ///     shown, and so is an `http(s)` URL, with only its secrets redacted
    ///     (``redactURL(_:)``), so a sign-in link stays usable. Stdout lines, one of which is the
    ///     token, leave it off.
    public func redactLine(_ line: String, maxLength: Int = 300, showPlainWords: Bool = false) -> String {
        let trimmed = line.trimmingSpaces()
        // Only spaces make prose: a tab-separated line ("name<TAB>token") is as suspect as one word.
        guard !trimmed.isEmpty, !trimmed.contains(" ") else {
            return redact(line, maxLength: maxLength)
        }
        if showPlainWords, let url = redactURL(trimmed) { return Self.cut(url, max(maxLength, Self.longestURL)) }
        if showPlainWords, Self.isPlainWord(trimmed) { return String(trimmed) }
        let visible = String(trimmed.map { $0.isASCII && ($0.asciiValue ?? 0) < 0x20 || $0 == "\u{7F}" ? "?" : $0 })
        return Secret.redact(visible)
    }

    private static func isPlainWord(_ word: Substring) -> Bool {
        let letters = ".!?:".contains(word.last ?? " ") ? word.dropLast() : word
        return (1...15).contains(letters.count) && letters.allSatisfy { $0.isASCII && $0.isLetter }
    }

    static let keywords = ["bearer", "token", "secret", "password", "passwd", "key", "authorization"]

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

    /// Prefixes of widely used token formats (OpenAI/Anthropic, GitHub, GitLab, Slack, AWS access
    /// keys, JWTs, Google, Hugging Face, npm, PyPI).
    private static let tokenPrefixes = [
        "sk-", "sk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-",
        "xoxs-", "xoxr-", "AKIA", "ASIA", "eyJ", "ya29.", "AIza", "hf_", "npm_", "pypi-",
    ]

    static func looksLikeCredential(_ word: String) -> Bool {
        if word.count >= 32 { return true }
        if word.count >= 8, tokenPrefixes.contains(where: { word.hasPrefix($0) }) { return true }
        guard word.count >= 20 else { return false }
        return word.contains(where: \.isLetter) && word.contains(where: \.isNumber)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}
