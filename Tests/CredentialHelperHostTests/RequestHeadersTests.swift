import CredentialHelperHost
import CredentialHelperProtocol
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("Applying a credential to a request")
struct RequestHeadersTests {
    func credential(_ headers: HeaderList) -> Credential {
        Credential(
            answer: HelperAnswer(token: Secret("tok-abc"), headers: headers, format: .jsonObject),
            obtainedAt: Date(), expiresAt: Date() + 60, context: .interactive)
    }

    @Test("bearer: Authorization first, helper headers over custom headers")
    func bearer() {
        let configuration = HostConfiguration(
            helperPath: "/bin/true", customHeaders: ["X-Org": "custom", "X-Static": "s"])
        let request = credential(["x-org": "helper"]).requestHeaders(for: configuration)
        #expect(request.headers.fields.first == HeaderField(name: "Authorization", value: "Bearer tok-abc"))
        #expect(request.headers["X-Org"] == "helper")
        #expect(request.headers["X-Static"] == "s")
        #expect(request.warnings.isEmpty)
    }

    @Test("x-api-key: the token goes in x-api-key; a helper header of that name is ignored with a warning")
    func apiKeyCollision() {
        let configuration = HostConfiguration(helperPath: "/bin/true", authScheme: .xAPIKey)
        let request = credential(["X-API-Key": "other", "X-A": "1"]).requestHeaders(for: configuration)
        #expect(request.headers["x-api-key"] == "tok-abc")
        #expect(request.headers.count == 2)
        #expect(request.warnings.count == 1)
        #expect(request.warnings[0].contains("helper's header"))
    }

    @Test("a custom Authorization header cannot replace the credential")
    func customCollision() {
        let configuration = HostConfiguration(helperPath: "/bin/true", customHeaders: ["authorization": "Basic x"])
        let request = credential([:]).requestHeaders(for: configuration)
        #expect(request.headers["Authorization"] == "Bearer tok-abc")
        #expect(request.headers.count == 1)
        #expect(request.warnings.first?.contains("custom header") == true)
    }
}
