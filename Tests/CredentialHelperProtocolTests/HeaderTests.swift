import CredentialHelperProtocol
import Testing

@Suite("Headers, merging and secrets")
struct HeaderTests {
    @Test("helper headers merge over custom headers, case-insensitively, helper wins")
    func merge() {
        let custom: HeaderList = ["X-Org": "custom", "X-Team": "a", "x-route": "eu"]
        let helper: HeaderList = ["x-org": "helper", "X-New": "n"]
        let merged = custom.merging(helper)
        #expect(merged.count == 4)
        #expect(merged["X-ORG"] == "helper")
        #expect(merged["x-team"] == "a")
        #expect(merged["X-Route"] == "eu")
        #expect(merged["X-New"] == "n")
        #expect(merged.fields.filter { $0.name.lowercased() == "x-org" }.count == 1)
    }

    @Test(
        "header names are RFC 9110 tokens",
        arguments: [
            ("X-Org-Route", true), ("x_a", true), ("A!#$%&'*+-.^_`|~9", true),
            ("", false), ("X A", false), ("X:A", false), ("X\u{E9}", false), ("X(A)", false), ("X/A", false),
        ])
    func names(name: String, valid: Bool) {
        #expect(HeaderRules.isValidName(name) == valid)
    }

    @Test(
        "values may not contain CR, LF or NUL",
        arguments: [
            ("prod", true), ("two words", true), ("", true), ("a\rb", false), ("a\nb", false), ("a\u{0}b", false),
        ])
    func values(value: String, valid: Bool) {
        #expect(HeaderRules.isValidValue(value) == valid)
    }

    @Test("forbidden names compare case-insensitively")
    func forbidden() {
        for name in ["Host", "CONTENT-LENGTH", "transfer-encoding", "Connection"] {
            #expect(HeaderRules.isForbidden(name))
        }
        #expect(!HeaderRules.isForbidden("X-Host"))
    }

    @Test("Secret never prints its value")
    func secret() {
        let value = "sk-live-0123456789abcdef"
        let secret = Secret(value)
        #expect("\(secret)" == "sk-l…")
        #expect(String(describing: secret) == "sk-l…")
        #expect(String(reflecting: secret) == "Secret(sk-l…)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains(value))
        #expect(!"\([secret])".contains(value))
        #expect(Secret("short").redacted == "…")
        #expect(secret.reveal() == value)
    }

    @Test("contexts parse by their protocol names")
    func contexts() throws {
        #expect(
            HelperContext.allCases.map(\.rawValue) == [
                "interactive", "mid-session-refresh", "scheduled-task", "setup-test", "background",
            ])
        #expect(try HelperContext.parse("mid-session-refresh") == .midSessionRefresh)
        #expect(throws: HelperContextError.self) { try HelperContext.parse("Interactive") }
        #expect(HelperContext.allCases.filter(\.allowsUserInteraction) == [.interactive])
    }

    @Test("free text is redacted: known secrets, credential-looking words, values after keywords")
    func redactor() {
        let token = "abc123secretvalue"
        let redactor = TextRedactor(knownSecrets: [Secret(token)])
        #expect(!redactor.redact("got \(token) from cache").contains(token))
        let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.sig"
        #expect(!redactor.redact("token: \(jwt)").contains("eyJzdWIi"))
        #expect(!redactor.redact("password=hunter2x").contains("hunter2x"))
        #expect(!redactor.redact("Authorization: Bearer opaque-value").contains("opaque-value"))
        #expect(redactor.redact("connect to the VPN first") == "connect to the VPN first")
        #expect(redactor.redact("a\u{1B}[31mred") == "a?[31mred")
    }
}
