import CredentialHelperProtocol
import Testing
import TokenStore

@Suite("What the helper prints, and its store keys")
struct AnswerEncodingTests {
    @Test("the encoded answer parses back to the same token and headers")
    func roundTrip() throws {
        let plain = HelperAnswer(token: Secret("tok-0123456789"), format: .bareToken)
        #expect(plain.encoded() == Array("tok-0123456789\n".utf8))
        let headers: HeaderList = ["X-Org": "acme \"quoted\" \\ back", "X-Route": "é"]
        let rich = HelperAnswer(token: Secret("tok\"-0123456789"), headers: headers, format: .jsonObject)
        let parsed = try HelperOutputParser().parse(rich.encoded())
        #expect(parsed.token == Secret("tok\"-0123456789"))
        #expect(parsed.headers == headers)
        #expect(parsed.format == .jsonObject)
    }

    @Test("store keys depend on what changes the token, not on scope order")
    func storeKeys() {
        let a = TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid", "x"], audience: nil)
        #expect(a == TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["x", "openid", "x"], audience: nil))
        #expect(a != TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid"], audience: nil))
        #expect(a != TokenStoreKey(issuer: "https://i", clientID: "c", scopes: ["openid", "x"], audience: "api"))
        #expect(a != TokenStoreKey(issuer: "https://i/", clientID: "c", scopes: ["openid", "x"], audience: nil))
        #expect(a.digest.count == 64)
    }

    @Test("a stored record prints no secret")
    func recordRedacts() {
        let record = StoredTokens(
            accessToken: Secret("access-secret-0123456789"), refreshToken: Secret("refresh-secret-0123456789"),
            obtainedAt: 1, expiresAt: 2)
        let printed = "\(record) \(String(reflecting: record))"
        #expect(!printed.contains("access-secret-0123456789") && !printed.contains("refresh-secret-0123456789"))
    }
}
