import CredentialHelperProtocol
import Testing

/// A sign-in URL in a helper's stderr is shown so a person can open it; only what is secret in it is
/// redacted (docs/check.md).
@Suite("Redacting URLs")
struct URLRedactionTests {
    let redactor = TextRedactor()
    static let state = "Zk3q9W0bXy7TtRr2LmNnPp4sVv6uAa1cDd8eFfGgHhJ"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM0"
    static let authorization =
        "https://idp.example.com/api/oidc/auth?response_type=code&client_id=credhelper-desktop"
        + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&scope=openid%20offline_access"
        + "&state=\(state)&code_challenge=\(challenge)&code_challenge_method=S256&nonce=\(state)"

    @Test("an authorization URL alone on a line is shown whole: none of its parameters is a secret")
    func authorizationURL() {
        #expect(redactor.redactLine("  " + Self.authorization, showPlainWords: true) == Self.authorization)
        #expect(redactor.redact("visit: " + Self.authorization) == "visit: " + Self.authorization)
    }

    @Test("secret parameters, user information and credential-shaped values are redacted")
    func secrets() {
        let code = "SplxlOBeZQQYbYS6WxSbIA12345678"
        let line = redactor.redactLine(
            "http://127.0.0.1:53682/callback?code=\(code)&state=\(Self.state)&access_token=abcdefgh&x=sk-live0123456789",
            showPlainWords: true)
        #expect(!line.contains(code) && !line.contains("abcdefgh") && !line.contains("sk-live0123456789"), "\(line)")
        #expect(line.contains("state=\(Self.state)"))
        let userinfo = redactor.redactLine(
            "https://admin:hunter2-password@proxy.example.com:8443/", showPlainWords: true)
        #expect(!userinfo.contains("hunter2"), "\(userinfo)")
        #expect(userinfo.hasSuffix("@proxy.example.com:8443/"))
        let path = redactor.redactLine(
            "https://hooks.example.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX0123456789", showPlainWords: true)
        #expect(!path.contains("XXXXXXXXXXXXXXXXXXXXXXXX0123456789"), "\(path)")
        let fragment = redactor.redact(
            "see https://app.example.com/cb#access_token=eyJhbGciOi.payload.sig&token_type=Bearer")
        #expect(!fragment.contains("eyJhbGciOi"), "\(fragment)")
    }

    @Test("id_token_hint carries an ID token (OpenID Connect Core §3.1.2.1), a credential: its value is redacted")
    func idTokenHint() {
        let idToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1wcm92aWRlcg"
        for url in [
            "https://idp.example.com/logout?id_token_hint=\(idToken)&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1",
            Self.authorization + "&prompt=none&id_token_hint=\(idToken)",
        ] {
            let line = redactor.redactLine(url, showPlainWords: true)
            let shown = line.contains("eyJzdWIiOiJhbGljZSJ9")
            #expect(!shown, "the ID token in id_token_hint was shown")
            let prose = redactor.redact("sign in again at " + url)
            let shownInProse = prose.contains("eyJzdWIiOiJhbGljZSJ9")
            #expect(!shownInProse, "the ID token in id_token_hint was shown in prose")
        }
    }

    @Test("control characters in a URL never reach the terminal, and a URL-looking token is still judged")
    func hostile() {
        let line = redactor.redactLine("https://idp.example.com/\u{1B}[2J?state=a\u{7F}b", showPlainWords: true)
        #expect(!line.contains("\u{1B}") && !line.contains("\u{7F}"), "\(line)")
        #expect(redactor.redactLine("httpsXsk-abcdefghijklmnop") == "http…")
        #expect(redactor.redactLine("tok-0123456789") == "tok-…")
        // On stdout a line is where the token is: a URL-shaped one is still redacted whole there.
        #expect(redactor.redactLine(Self.authorization) == "http…")
    }
}
