import CredentialHelperProtocol
import Testing

/// Helper output and host names as an attacker or a broken helper would send them (docs/security.md).
@Suite("Hostile helper output, look-alike loopback names, redaction of short tokens")
struct HostileInputTests {
    let parser = HelperOutputParser()

    func code(_ text: String) -> HelperOutputError.Code? {
        do {
            _ = try parser.parse(Array(text.utf8))
            return nil
        } catch { return error.code }
    }

    @Test(
        "header values with control characters are refused with their own code",
        arguments: ["\u{1B}[31mred", "a\u{0B}b", "a\u{01}b", "a\u{7F}b", "\u{1B}]0;title\u{07}"])
    func controlCharacters(value: String) {
        let json = "{\"token\": \"abc\", \"headers\": {\"X-A\": \(JSONString.quoted(value))}}"
        #expect(code(json) == .headerValueControlCharacter)
        #expect(!HeaderRules.isValidValue(value))
    }

    @Test("HTAB, SP and obs-text remain valid in header values")
    func allowedValueBytes() {
        #expect(code("{\"token\": \"abc\", \"headers\": {\"X-A\": \"a\\tb c\"}}") == nil)
        #expect(code("{\"token\": \"abc\", \"headers\": {\"X-A\": \"caf\u{E9}\"}}") == nil)
    }

    @Test(
        "a key given twice is refused, also when spelt with escapes or nested in headers",
        arguments: [
            "{\"token\": \"first\", \"token\": \"second\"}",
            "{\"token\": \"first\", \"\\u0074oken\": \"second\"}",
            "{\"token\": \"abc\", \"headers\": {\"X-A\": \"1\", \"X-A\": \"2\"}}",
            "{\"headers\": {}, \"token\": \"abc\", \"headers\": {\"X-A\": \"1\"}}",
        ])
    func duplicateKeys(json: String) {
        #expect(code(json) == .duplicateJSONKey)
    }

    @Test(
        "the same key in different objects is not a duplicate; strings holding braces and quotes do not confuse the scan"
    )
    func notDuplicates() {
        #expect(JSONDuplicateKeys.first(in: Array("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 2}, {\"a\": 3}]}".utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array("{\"a\": \"}{\\\",\\\"a\\\": \", \"b\": 1}".utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array("{\"a\": [\"a\", \"a\"], \"c\": {\"x\": \"a\"}}".utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array("{\"a\": 1, \"b\": {}, \"a\": 2}".utf8)) == "a")
    }

    @Test("JSON-looking output that does not parse is never taken as a bare token")
    func deepJSON() {
        let deep = String(repeating: "[", count: 32_000) + String(repeating: "]", count: 32_000)
        #expect(code(deep) == .invalidJSON)
        #expect(code("[\"abc\"") == .invalidJSON)
        #expect(code("[1, 2]") == .notJSONObject)
        let deepObject = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(code(deepObject) == .invalidJSON || code(deepObject) == .missingToken)
    }

    @Test(
        "loopback is an IP literal in 127/8, ::1 or localhost — never a name that looks like one",
        arguments: [
            ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("LOCALHOST", true), ("::1", true),
            ("[::1]", true), ("0:0:0:0:0:0:0:1", true), ("::ffff:127.0.0.1", true), ("127.evil.example", false),
            ("127.0.0.1.evil.example", false), ("127.0.0.1.", false), ("localhost.evil.example", false),
            ("127.1", false), ("0x7f.0.0.1", false), ("0177.0.0.1", false), ("128.0.0.1", false), ("::2", false),
            ("::ffff:10.0.0.1", false), ("", false), ("127.0.0.256", false), ("1::1::1", false),
        ])
    func loopback(host: String, expected: Bool) {
        #expect(LoopbackHost.contains(host) == expected)
    }

    @Test(
        "stdout lines that could be the token are redacted whole, however short",
        arguments: ["ghp_abc123", "abc123", "sk-abcdefghijklmnopqrst", "zq7"])
    func multipleLinesRedacted(token: String) throws {
        do {
            _ = try parser.parse(Array("Welcome to the corp shell\n\(token)\n".utf8))
            Issue.record("two lines were accepted")
        } catch {
            #expect(error.code == .multipleLines)
            let shown = error.lines.joined(separator: "\n") + error.message
            let leaked = shown.contains(token)
            #expect(!leaked, "a line that could be the token was shown")
            #expect(error.lines.first == "Welcome to the corp shell", "prose is still shown")
        }
    }

    @Test("prose lines keep their words but lose well-known token shapes")
    func proseRedaction() {
        let redactor = TextRedactor()
        let line = redactor.redactLine("error: key sk-abcdefghijklmnopqrst was refused by ghp_abc12345 today")
        #expect(!line.contains("sk-abcdefghijklmnopqrst") && !line.contains("ghp_abc12345"))
        #expect(line.contains("was refused by"))
        #expect(redactor.redactLine("sk-abcdefghijklmnopqrst") == "sk-a…")
        #expect(redactor.redactLine("short") == "…")
        #expect(!redactor.redactLine("\u{1B}[31mtok").contains("\u{1B}"))
    }
}

@Suite("Redacting stderr lines")
struct StderrRedactionTests {
    @Test("a lone word on stderr is shown only when it is a plain word")
    func loneWords() {
        let redactor = TextRedactor()
        #expect(redactor.redactLine("Unauthorized", showPlainWords: true) == "Unauthorized")
        #expect(redactor.redactLine("minting.", showPlainWords: true) == "minting.")
        for token in ["sk-abcdefghijklmnopqrst", "ghp_abc123", "abc123", "abcdefghijklmnopqrstu"] {
            let shown = redactor.redactLine(token, showPlainWords: true)
            let leaked = shown.contains(token)
            #expect(!leaked, "a token-shaped stderr line was shown")
        }
    }
}

@Suite("Findings of the fuzzer, kept as tests")
struct FuzzFindingTests {
    @Test("two byte order marks do not turn a JSON answer into a bare token")
    func doubleBOM() {
        let input: [UInt8] =
            [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array("{\"token\":\"abc\",\"headers\":null}\r\n".utf8)
        #expect(throws: HelperOutputError.self) { try HelperOutputParser().parse(input) }
    }

    @Test("a stdout line of words joined by tabs is redacted whole: it could hold the token")
    func tabSeparatedLine() throws {
        do {
            _ = try HelperOutputParser().parse(Array("Wel\u{11}come\ntok-0123-0456\t789\n".utf8))
            Issue.record("accepted")
        } catch {
            let shown = error.lines.joined(separator: " ")
            let leaked = shown.contains("tok-0123-0456")
            #expect(!leaked, "a tab-separated line was shown word by word")
        }
    }
}

extension FuzzFindingTests {
    @Test("a token that starts with [ or { is printed as JSON, so a host reads it back as the same token")
    func bracketToken() throws {
        for token in ["[abc", "{abc"] {
            let answer = HelperAnswer(token: Secret(token), format: .bareToken)
            let again = try HelperOutputParser().parse(answer.encoded())
            #expect(again.token == answer.token)
        }
    }
}

@Test("VisibleText replaces C0, DEL, C1, bidirectional controls and separators, and keeps everything else")
func visibleText() {
    #expect(VisibleText.of("a\u{1B}[2Jb\r\nc\u{7F}\u{0}") == "a?[2Jb??c??")
    #expect(VisibleText.of("ünïcode — fine") == "ünïcode — fine")
    // NEL and the 8-bit CSI move the cursor on some terminals; RLO shows "exe.txt" for "txt.exe".
    #expect(VisibleText.of("a\u{85}b\u{9B}2Jc\u{202E}txt.exe\u{2028}d\u{2066}e") == "a?b?2Jc?txt.exe?d?e")
    #expect(VisibleText.isVisible("/usr/local/bin"))
    #expect(!VisibleText.isVisible("/usr/\u{202E}nib"))
    #expect(!VisibleText.isVisible("tab\there"))
    #expect(VisibleText.of(String(repeating: "x", count: 10), limit: 4) == "xxxx…")
    #expect(VisibleText.of("xxxx", limit: 4) == "xxxx")
}
