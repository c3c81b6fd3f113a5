import CredentialHelperProtocol
import Testing

@Suite("Helper stdout parser (docs/protocol.md §4)")
struct OutputParserTests {
    let parser = HelperOutputParser()

    func parse(_ text: String) throws(HelperOutputError) -> HelperAnswer { try parser.parse(Array(text.utf8)) }

    @Test(
        "valid answers",
        arguments: [
            ("tok-123", "tok-123", 0),
            ("tok-123\n", "tok-123", 0),
            ("  tok-123  \r\n", "tok-123", 0),
            ("\n\ntok-123\n\n", "tok-123", 0),
            ("\u{FEFF}tok-123\n", "tok-123", 0),
            ("{\"token\":\"abc\"}", "abc", 0),
            ("{\"token\":\"abc\",\"headers\":{\"X-Org-Route\":\"prod\"}}\n", "abc", 1),
            (
                "{\n  \"token\": \"abc\",\n  \"headers\": {\n    \"X-A\": \"1\",\n    \"X-B\": \"two words\"\n  }\n}\n",
                "abc", 2
            ),
            ("{\r\n\"token\": \"abc\"\r\n}\r\n", "abc", 0),
            ("\u{FEFF}{\"token\":\"abc\",\"headers\":null}", "abc", 0),
            ("{\"token\":\"abc\",\"headers\":{}}", "abc", 0),
        ])
    func valid(input: String, token: String, headerCount: Int) throws {
        let answer = try parse(input)
        #expect(answer.token.reveal() == token)
        #expect(answer.headers.count == headerCount)
        #expect(answer.format == (input.contains("{") ? .jsonObject : .bareToken))
    }

    @Test(
        "each way stdout breaks the protocol has its own code",
        arguments: [
            ("", HelperOutputError.Code.emptyOutput),
            ("  \n\r\n\t", .emptyOutput),
            ("\u{FEFF}", .emptyOutput),
            ("Welcome to bash\ntok-123\n", .multipleLines),
            ("tok-123\r\nlogged in\r\n", .multipleLines),
            ("{\"token\": \"abc\"", .invalidJSON),
            ("{token: abc}", .invalidJSON),
            ("[\"abc\"]", .notJSONObject),
            ("{\"headers\": {}}", .missingToken),
            ("{\"token\": null}", .missingToken),
            ("{\"token\": \"\"}", .missingToken),
            ("{\"access_token\": \"abc\", \"expires_in\": 3600}", .missingToken),
            ("{\"token\": 42}", .tokenNotString),
            ("{\"token\": {\"value\": \"abc\"}}", .tokenNotString),
            (
                "{\"Version\": 1, \"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\"}",
                .awsCredentialProcessFormat
            ),
            ("{\"token\": \"abc\", \"headers\": [\"X-A: 1\"]}", .headersNotObject),
            ("{\"token\": \"abc\", \"headers\": \"X-A: 1\"}", .headersNotObject),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": 1}}", .headerValueNotString),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": true}}", .headerValueNotString),
            ("{\"token\": \"abc\", \"headers\": {\"X A\": \"1\"}}", .invalidHeaderName),
            ("{\"token\": \"abc\", \"headers\": {\"X-A:\": \"1\"}}", .invalidHeaderName),
            ("{\"token\": \"abc\", \"headers\": {\"\": \"1\"}}", .invalidHeaderName),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": \"1\", \"x-a\": \"2\"}}", .invalidHeaderName),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": \"1\\r\\nX-B: 2\"}}", .invalidHeaderValue),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": \"1\\n\"}}", .invalidHeaderValue),
            ("{\"token\": \"abc\", \"headers\": {\"X-A\": \"a\\u0000b\"}}", .invalidHeaderValue),
            ("{\"token\": \"abc\", \"headers\": {\"Host\": \"evil\"}}", .forbiddenHeader),
            ("{\"token\": \"abc\", \"headers\": {\"content-length\": \"1\"}}", .forbiddenHeader),
            ("{\"token\": \"abc\", \"headers\": {\"Transfer-Encoding\": \"chunked\"}}", .forbiddenHeader),
            ("{\"token\": \"abc\", \"headers\": {\"Connection\": \"close\"}}", .forbiddenHeader),
            ("Bearer tok-123", .tokenHasWhitespace),
            ("tok 123", .tokenHasWhitespace),
            ("tok\t123", .tokenHasWhitespace),
            ("{\"token\": \"tok 123\"}", .tokenHasWhitespace),
            ("tökén", .nonASCIIToken),
            ("tok\u{1B}[0m", .nonASCIIToken),
            ("{\"token\": \"tok\\u0007\"}", .nonASCIIToken),
        ])
    func invalid(input: String, code: HelperOutputError.Code) {
        #expect(throws: HelperOutputError.self) { try parse(input) }
        do {
            _ = try parse(input)
        } catch {
            #expect(error.code == code, "\(input.debugDescription) gave \(error.code): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("output over the cap is refused, not truncated")
    func oversized() {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: HelperOutputParser.defaultLimit + 1)
        #expect(throws: HelperOutputError.self) { try parser.parse(big) }
        do { _ = try parser.parse(big) } catch { #expect(error.code == .outputTooLarge) }
        let atCap = [UInt8](repeating: UInt8(ascii: "a"), count: HelperOutputParser.defaultLimit)
        #expect((try? parser.parse(atCap))?.token.reveal().count == HelperOutputParser.defaultLimit)
    }

    @Test("several lines: the message counts them and shows them redacted")
    func multipleLinesMessage() {
        let secret = "eyJhbGciOiJSUzI1NiJ9abcdef0123456789"
        do {
            _ = try parse("Welcome to bash\nloading profile\n\(secret)\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .multipleLines)
            #expect(error.message.contains("stdout has 3 lines; expected exactly one token"))
            #expect(error.message.contains("shell profile"))
            #expect(error.lines.count == 3)
            #expect(error.lines[0] == "Welcome to bash")
            #expect(!error.lines.joined().contains(secret))
            #expect(error.lines[2].hasPrefix("eyJh"))
        }
    }

    @Test("specific hints: AWS format, access_token, Bearer prefix")
    func hints() {
        let cases: [(String, String)] = [
            ("{\"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"x\"}", "credential_process"),
            ("{\"access_token\": \"abc\"}", "rename it to \"token\""),
            ("Bearer abcdef", "print the token alone"),
        ]
        for (input, hint) in cases {
            do {
                _ = try parse(input)
                Issue.record("expected an error for \(input)")
            } catch {
                #expect(error.message.contains(hint), "\(error.message)")
            }
        }
    }

    @Test("unknown top-level keys are kept for the checker, not an error")
    func unknownKeys() throws {
        let answer = try parse("{\"token\": \"abc\", \"expires_at\": 5, \"note\": \"x\"}")
        #expect(answer.unknownKeys == ["expires_at", "note"])
    }

    @Test("error messages never contain the token")
    func noTokenInMessages() {
        let token = "sk-verysecret-0123456789abcdefghij"
        let inputs = [
            "Bearer \(token)", "\(token)\n\(token)", "{\"token\": \"\(token) x\"}",
            "{\"token\": \"\(token)\", \"headers\": {\"Host\": \"h\"}}", "[\"\(token)\"]",
        ]
        for input in inputs {
            do {
                _ = try parse(input)
                Issue.record("expected an error for \(input.prefix(10))")
            } catch {
                #expect(!error.message.contains(token))
                #expect(!error.lines.joined().contains(token))
            }
        }
    }
}
