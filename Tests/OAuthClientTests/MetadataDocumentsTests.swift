import OAuthClient
import TestSupport
import Testing

/// Providers that publish an endpoint in only one of their two metadata documents (OpenID Connect
/// discovery, RFC 8414), and profiles that name endpoints themselves; the documents are served by a
/// real HTTP server on loopback.
@Suite("Metadata documents and endpoint overrides")
struct MetadataDocumentsTests {
    @Test("an endpoint missing from the OpenID Connect document is taken from the RFC 8414 one")
    func supplementFromRFC8414() async throws {
        let documents = try ScriptedUpstream([:])
        let issuer = documents.baseURL
        documents.serveJSON(
            "/.well-known/openid-configuration",
            #"{"issuer": "\#(issuer)", "token_endpoint": "\#(issuer)/token"}"#)
        documents.serveJSON(
            "/.well-known/oauth-authorization-server",
            #"{"issuer": "\#(issuer)", "token_endpoint": "\#(issuer)/token", "revocation_endpoint": "\#(issuer)/revoke", "device_authorization_endpoint": "\#(issuer)/device"}"#
        )
        let client = OAuthClient(OAuthClientConfiguration(issuer: issuer, clientID: "c"))
        let deadline = ContinuousClock.now + .seconds(30)
        let metadata = try await client.discover(until: deadline)
        #expect(metadata.revocationEndpoint == nil)
        let supplemented = await client.supplement(metadata, until: deadline)
        #expect(supplemented.revocationEndpoint == issuer + "/revoke")
        #expect(supplemented.deviceAuthorizationEndpoint == issuer + "/device")
        #expect(supplemented.tokenEndpoint == metadata.tokenEndpoint)
    }

    @Test("endpoint overrides replace the discovered endpoints, and are checked like them")
    func overrides() async throws {
        let documents = try ScriptedUpstream([:])
        let issuer = documents.baseURL
        documents.serveJSON(
            "/.well-known/openid-configuration",
            #"{"issuer": "\#(issuer)", "token_endpoint": "\#(issuer)/token", "revocation_endpoint": "\#(issuer)/revoke"}"#
        )
        var configuration = OAuthClientConfiguration(issuer: issuer, clientID: "c")
        configuration.endpoints = EndpointOverrides(revocation: issuer + "/other-revoke")
        let metadata = try await OAuthClient(configuration).discover(until: .now + .seconds(30))
        #expect(metadata.revocationEndpoint == issuer + "/other-revoke")
        #expect(metadata.tokenEndpoint == issuer + "/token")
        configuration.endpoints = EndpointOverrides(token: "http://login.example.com/token")
        await #expect(throws: OAuthError.self) {
            try await OAuthClient(configuration).discover(until: .now + .seconds(30))
        }
    }
}
