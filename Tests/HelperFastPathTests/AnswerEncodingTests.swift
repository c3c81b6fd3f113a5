import CredentialHelperProtocol
import Testing

@Suite("What the helper prints")
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
}
