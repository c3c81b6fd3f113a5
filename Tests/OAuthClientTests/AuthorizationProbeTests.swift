import Testing

@testable import OAuthClient

/// What the sign-in probe shows of a provider's refusal: it reaches the terminal and `doctor`.
@Suite("Authorization probe: a provider's refusal as shown")
struct AuthorizationProbeTests {
    @Test("an error redirect's percent-decoded parameters cannot put escapes or bidi controls on the terminal")
    func redirectParametersAreVisible() throws {
        let location =
            "http://127.0.0.1:8400/callback?error=invalid%1B%5B2Jrequest&error_description=bad%C2%9B2J%E2%80%AEclient"
        guard case .refused(let refusal) = AuthorizationProbe.interpret(status: 302, location: location, body: [])
        else {
            Issue.record("a redirect with error= is a refusal")
            return
        }
        #expect(refusal.error == "invalid?[2Jrequest")
        #expect(refusal.errorDescription == "bad?2J?client")
        #expect(!refusal.description.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
    }

    @Test("a 4xx body's description is shown with its hidden characters replaced, not dropped, and cut at 200")
    func bodyDescriptionIsKept() throws {
        let body = Array(#"{"error":"unauthorized_client","error_description":"client \u200Fx\u200F unknown"}"#.utf8)
        guard case .refused(let refusal) = AuthorizationProbe.interpret(status: 400, location: nil, body: body) else {
            Issue.record("a 400 is a refusal")
            return
        }
        #expect(refusal.error == "unauthorized_client")
        #expect(refusal.errorDescription == "client ?x? unknown")
        let long = Array(
            ("{\"error\":\"x\",\"error_description\":\"" + String(repeating: "d", count: 500) + "\"}").utf8)
        guard case .refused(let cut) = AuthorizationProbe.interpret(status: 400, location: nil, body: long) else {
            Issue.record("a 400 is a refusal")
            return
        }
        #expect(cut.errorDescription == String(repeating: "d", count: 200) + "…")
    }
}
