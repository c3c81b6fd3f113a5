import Testing

@testable import CredentialHelperProtocol

/// Public URL parameters are shown, but a hostile page or helper must not fill a terminal with them
/// nor hide control sequences in them.
@Suite("Redacting URLs: what public parameters may show")
struct URLParameterCapTests {
    let redactor = TextRedactor()

    @Test("a public parameter value is cut to the cap: a 4,000-character state or error_description is not shown whole")
    func longPublicValuesAreCut() {
        let long = String(repeating: "ab", count: 2000)
        let url = "https://idp.example.com/cb?state=\(long)&error=access_denied&error_description=\(long)"
        for shown in [redactor.redactLine(url, showPlainWords: true), redactor.redact("see " + url)] {
            let state = value(of: "state", in: shown)
            let description = value(of: "error_description", in: shown)
            #expect(state.count == TextRedactor.longestURLParameter + 1 && state.hasSuffix("…"), "\(state.count)")
            #expect(description.count == TextRedactor.longestURLParameter + 1, "\(description.count)")
            #expect(shown.contains("&error=access_denied&"), "\(shown.prefix(120))")
            #expect(shown.count < 2 * TextRedactor.longestURLParameter + 100, "\(shown.count) characters shown")
        }
        let normal =
            "https://idp.example.com/cb?state=\(String(repeating: "q", count: TextRedactor.longestURLParameter))"
        #expect(redactor.redactLine(normal, showPlainWords: true) == normal, "a value at the cap is shown whole")
    }

    @Test("C1 controls, bidirectional overrides and line separators in a URL are shown as '?'")
    func controlCharactersAreReplaced() {
        let hostile = [
            "\u{9B}31m", "\u{85}", "\u{202E}", "\u{2066}", "\u{200F}", "\u{2028}", "\u{2029}", "\u{1B}[2J", "\u{7F}",
        ]
        for character in hostile {
            let url = "https://idp.example.com/cb?error=x&error_description=bad\(character)news&state=s\(character)t"
            for shown in [redactor.redactLine(url, showPlainWords: true), redactor.redact("see " + url)] {
                let clean = shown.unicodeScalars.allSatisfy { scalar in
                    !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                        || [0x200E, 0x200F, 0x2028, 0x2029].contains(scalar.value)
                        || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value))
                }
                #expect(clean, "a control character in \(Array(character.unicodeScalars)) reached the display")
            }
        }
        let accented = "https://idp.example.com/cb?error_description=mot%20de%20passe%20expir%C3%A9&ui_locales=fr-CA"
        #expect(redactor.redactLine(accented, showPlainWords: true) == accented)
    }

    /// The shown value of `name` in `text`, up to the next `&` (or the end).
    private func value(of name: String, in text: String) -> Substring {
        guard let start = text.firstRange(of: name + "=") else { return "" }
        let rest = text[start.upperBound...]
        return rest.prefix { $0 != "&" }
    }
}
