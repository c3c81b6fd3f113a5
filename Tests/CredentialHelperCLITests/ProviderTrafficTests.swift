import Foundation
import TestSupport
import Testing

/// How much the helper asks of the provider, and what it says when the client registration is wrong:
/// against the real identity provider, with its discovery document served from a second loopback
/// server that counts requests.
extension ReadyHelperTests {
    /// The provider's discovery document, fetched over HTTP/1.0 (a body without chunked framing).
    static func discoveryDocument(_ idp: IdentityProvider) throws -> String {
        let issuer = idp.info.issuer
        let port = try #require(URLComponents(string: issuer)?.port)
        let path = try #require(URLComponents(string: issuer)?.path) + "/.well-known/openid-configuration"
        let client = try RawClient(port: port)
        client.send("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n")
        let response = client.readToEnd()
        let body = try #require(response.range(of: "\r\n\r\n")).upperBound
        return String(response[body...])
    }

    @Test("with discovery cached, each refresh is one request to the provider")
    func refreshIsOneRequest() async throws {
        let idp = try await IdentityProvider.shared()
        let documents = try ScriptedUpstream([:])
        documents.serveJSON(
            "/openid-configuration", try Self.discoveryDocument(idp), headers: ["Cache-Control: max-age=3600"])
        let info = idp.info
        let harness = try await ReadyHelperHarness(extra: [
            "corp": [
                "issuer": info.issuer, "clientId": info.publicClient, "scopes": info.scopes,
                "redirectPort": info.redirectPort, "hostTtlSec": 600,
                "discoveryUrl": documents.baseURL + "/openid-configuration",
            ]
        ])
        _ = try await harness.signIn()
        #expect(documents.requests(for: "/openid-configuration") == 1)
        let before = try await idp.grantCounts()["refresh_token", default: 0]
        for _ in 0..<3 {
            try harness.expireStoredToken()
            let refreshed = try await harness.get(context: "background")
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
        }
        #expect(try await idp.grantCounts()["refresh_token", default: 0] == before + 3)
        #expect(documents.requests(for: "/openid-configuration") == 1, "discovery was fetched again for a refresh")
    }

    @Test("a client not registered for the grant is told which registration to fix")
    func unauthorizedClient() async throws {
        let info = try await IdentityProvider.shared().info
        let harness = try await ReadyHelperHarness(extra: [
            "svc-device": [
                "issuer": info.issuer, "clientId": info.serviceClient, "scopes": ["inference"], "grant": "device",
                "clientSecretFile": info.clientSecretFile,
            ],
            "wrong-secret": [
                "issuer": info.issuer, "clientId": info.serviceClient, "scopes": ["inference"],
                "grant": "client-credentials", "clientSecretEnv": "WRONG_SECRET",
            ],
        ])
        let device = try await BuiltBinary.run(
            ["login", "--profile", "svc-device", "--device", "--timeout", "10"], environment: harness.environment)
        #expect(device.status != 0)
        #expect(device.stderr.contains("client \"\(info.serviceClient)\""), "\(device.stderr)")
        #expect(
            device.stderr.contains("client registration") || device.stderr.contains("registered"), "\(device.stderr)")

        let secret = try await harness.helper(
            "wrong-secret", context: "background", extraEnvironment: ["WRONG_SECRET": "not-the-secret-123"])
        #expect(secret.status == 1)
        #expect(
            secret.stderr.contains("does not accept client \"\(info.serviceClient)\"")
                && secret.stderr.contains("clientSecretFile or clientSecretEnv holds its current secret"),
            "\(secret.stderr)")
        #expect(!secret.stderr.contains("not-the-secret-123"))
    }
}
