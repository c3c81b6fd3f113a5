import AsyncHTTPClient
import Foundation
import TestSupport
import Testing
import TokenStore

/// A provider whose metadata leaves out the device authorization and revocation endpoints (glewlwyd's
/// own document, served without them): the errors name the profile keys that fix it, the overrides
/// work, and a sign-out that could not revoke says so.
extension ReadyHelperTests {
    /// glewlwyd's discovery document without `device_authorization_endpoint` and `revocation_endpoint`,
    /// served by a real HTTP server; returns the server and the two endpoints it left out.
    static func trimmedMetadata(_ issuer: String) async throws -> (ScriptedUpstream, device: String, revocation: String)
    {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: issuer + "/.well-known/openid-configuration"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        var document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        let device = try #require(document.removeValue(forKey: "device_authorization_endpoint") as? String)
        let revocation = try #require(document.removeValue(forKey: "revocation_endpoint") as? String)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let server = try ScriptedUpstream([
            "/metadata": .init(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
            )
        ])
        return (server, device, revocation)
    }

    @Test("no device endpoint in the metadata: the error names deviceAuthorizationEndpoint; the override signs in")
    func deviceEndpointOverride() async throws {
        let idp = try await IdentityProvider.shared()
        let (server, device, _) = try await Self.trimmedMetadata(idp.info.issuer)
        let base: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.publicClient, "scopes": idp.info.scopes, "grant": "device",
            "discoveryUrl": server.baseURL + "/metadata",
        ]
        let harness = try await ReadyHelperHarness(extra: [
            "bare": base, "fixed": base.merging(["deviceAuthorizationEndpoint": device]) { $1 },
        ])
        let bare = try await BuiltBinary.run(
            ["login", "--profile", "bare", "--device"], environment: harness.environment)
        #expect(bare.status == 1, "a provider limitation is not a configuration error: \(bare.stderr)")
        #expect(bare.stderr.contains("\"deviceAuthorizationEndpoint\""), "\(bare.stderr)")
        #expect(!bare.stderr.contains("without --device"), "\(bare.stderr)")
        let fixed = try await BuiltBinary.run(
            ["login", "--profile", "fixed", "--device"], environment: harness.environment)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try harness.record() != nil)
    }

    @Test("sign-out without a revocation endpoint says the token stays valid; the override revokes it")
    func revocationEndpointOverride() async throws {
        let idp = try await IdentityProvider.shared()
        let (server, device, revocation) = try await Self.trimmedMetadata(idp.info.issuer)
        // A confidential client: glewlwyd refuses revocation (HTTP 401) from a public one.
        let base: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.confidentialClient,
            "clientSecretFile": idp.info.clientSecretFile, "scopes": idp.info.scopes, "grant": "device",
            "discoveryUrl": server.baseURL + "/metadata", "deviceAuthorizationEndpoint": device,
        ]
        let harness = try await ReadyHelperHarness(extra: [
            "local": base, "revoking": base.merging(["revocationEndpoint": revocation]) { $1 },
        ])
        let environment = harness.environment
        // Without a revocation endpoint: removed locally, said plainly, and a failure for scripts.
        #expect(
            try await BuiltBinary.run(["login", "--profile", "local", "--device"], environment: environment).status == 0
        )
        let local = try await BuiltBinary.run(
            ["logout", "--profile", "local", "--require-revocation"], environment: environment)
        #expect(local.status == 1, "\(local.stderr)")
        #expect(local.stderr.contains("publishes no revocation endpoint"), "\(local.stderr)")
        #expect(local.stderr.contains("\"revocationEndpoint\""), "\(local.stderr)")
        #expect(local.stderr.contains("on this machine only"), "\(local.stderr)")
        #expect(try harness.record() == nil)

        // With the override: revoked at the provider. A copy of the record, put back with its access
        // token expired, can no longer be refreshed.
        #expect(
            try await BuiltBinary.run(["login", "--profile", "revoking", "--device"], environment: environment).status
                == 0)
        var record = try #require(try harness.record())
        let revoked = try await BuiltBinary.run(
            ["logout", "--profile", "revoking", "--require-revocation"], environment: environment)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stderr.contains("Signed out of profile revoking.\n"), "\(revoked.stderr)")
        record.expiresAt = 1
        let key = TokenStoreKey(
            issuer: idp.info.issuer, clientID: idp.info.confidentialClient, scopes: idp.info.scopes, audience: nil)
        try harness.store.write(record, for: key)
        let refresh = try await harness.get("revoking", context: "background")
        #expect(refresh.status != 0 && refresh.stderr.contains("refresh rejected"), "\(refresh.stderr)")
    }
}
