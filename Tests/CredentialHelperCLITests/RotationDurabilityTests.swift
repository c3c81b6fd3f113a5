import AsyncHTTPClient
import Foundation
import TestSupport
import Testing
import TokenStore

/// A refresh at glewlwyd (which rotates refresh tokens and revokes the family when an old one comes
/// back) followed by a failure in what comes after the token response: the rotated refresh token must
/// be stored anyway, so the next run, with the problem gone, refreshes with it (docs/security.md,
/// "Refresh-token durability"). The profile uses the ID token as its credential, so a refresh verifies
/// it against a JWKS served through `jwksUri` by a loopback server the test controls.
extension ReadyHelperTests {
    /// The URL glewlwyd's discovery document names under `field`.
    static func providerEndpoint(_ idp: IdentityProvider, _ field: String) async throws -> String {
        let metadata = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: idp.info.issuer + "/.well-known/openid-configuration"), timeout: .seconds(10))
        let document =
            try JSONSerialization.jsonObject(
                with: Data(buffer: try await metadata.body.collect(upTo: 1 << 20))) as? [String: Any]
        return try #require(document?[field] as? String)
    }

    /// The JWKS at `url`, as its keys.
    static func keys(at url: String) async throws -> [Any] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let object = try JSONSerialization.jsonObject(
            with: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        return try #require((object as? [String: Any])?["keys"] as? [Any])
    }

    /// glewlwyd's keys and the signing relay's (Tests/Fixtures/hostile-idp, `/sign-id-token`) in one JWKS.
    static func providerAndRelayJWKS(_ idp: IdentityProvider) async throws -> String {
        let relayPort = await HostileProviderTests.started.value
        let keys =
            try await keys(at: try await providerEndpoint(idp, "jwks_uri"))
            + (try await keys(at: "http://127.0.0.1:\(relayPort)/sign-id-token/jwks"))
        return String(decoding: try JSONSerialization.data(withJSONObject: ["keys": keys]), as: UTF8.self)
    }

    /// `jwks` with every RSA modulus changed in one base64url digit in its middle: the same key ids,
    /// other keys, so a signature made by the provider does not verify.
    static func otherKeys(_ jwks: String) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(jwks.utf8)) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        object["keys"] = try keys.map { key -> [String: Any] in
            var key = key
            var modulus = Array(try #require(key["n"] as? String))
            let middle = modulus.count / 2
            modulus[middle] = modulus[middle] == "A" ? "B" : "A"
            key["n"] = String(modulus)
            return key
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// A harness with profile `idt` (the `corp` client, the ID token as credential, its JWKS served by
    /// `jwks`, `no-store`, so every verification fetches it) and profile `idt-signed`: the same, with
    /// token requests through the relay that adds an ID token to glewlwyd's answers, as many providers
    /// do on refresh and glewlwyd does not. Both have one store key: each refreshes what the other stored.
    static func idTokenHarness(jwks: ScriptedUpstream) async throws -> ReadyHelperHarness {
        let idp = try await IdentityProvider.shared()
        let profile: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.publicClient, "scopes": idp.info.scopes,
            "redirectPort": idp.info.redirectPort, "credential": "id-token", "jwksUri": jwks.baseURL + "/jwks",
        ]
        let token = try #require(URLComponents(string: try await providerEndpoint(idp, "token_endpoint")))
        let relayPort = await HostileProviderTests.started.value
        let relay =
            "http://127.0.0.1:\(relayPort)/sign-id-token/\(try #require(token.port))\(token.path)"
        return try await ReadyHelperHarness(extra: [
            "idt": profile, "idt-signed": profile.merging(["tokenEndpoint": relay]) { $1 },
        ])
    }

    /// Signs `idt` in, then refreshes as `brokenProfile` with `breakIt` done: glewlwyd rotates the
    /// refresh token, then the run fails. Checks that no credential was handed out and the store holds
    /// the rotated token, then does `repair` and checks the next run (`idt-signed`) refreshes with it.
    static func rotationSurvives(
        _ harness: ReadyHelperHarness, brokenProfile: String = "idt-signed", breakIt: () -> Void = {},
        repair: () -> Void = {}, failure: String
    ) async throws {
        let signIn = try await harness.get("idt", context: "interactive")
        #expect(signIn.status == 0, "sign-in failed: \(signIn.stderr)")
        let signedIn = try #require(try harness.record()?.refreshToken)
        try harness.expireStoredToken()
        breakIt()
        let refreshesBefore = try await harness.idp.grantCounts()["refresh_token", default: 0]
        let broken = try await harness.get(brokenProfile, context: "background")
        #expect(broken.status != 0 && broken.stdout.isEmpty, "a credential was handed out: \(broken.stderr)")
        #expect(broken.stderr.contains(failure), "\(broken.stderr)")
        #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == refreshesBefore + 1)
        let kept = try #require(try harness.record())
        let rotatedKept = kept.refreshToken != nil && kept.refreshToken != signedIn
        #expect(rotatedKept, "the rotated refresh token was not stored")
        #expect(kept.refreshRejectedAt == nil)

        repair()
        try harness.expireStoredToken()
        let next = try await harness.get("idt-signed", context: "background")
        #expect(next.status == 0, "the next run could not refresh: \(next.stderr)")
        #expect(ReadyHelperHarness.token(from: next) != nil)
    }

    @Test("the JWKS fetch fails after a rotation: the rotated refresh token is kept, the next run refreshes")
    func rotationSurvivesJWKSFailure() async throws {
        let jwks = try ScriptedUpstream([:])
        jwks.serveJSON("/jwks", try await Self.providerAndRelayJWKS(.shared()), headers: ["Cache-Control: no-store"])
        let harness = try await Self.idTokenHarness(jwks: jwks)
        try await Self.rotationSurvives(
            harness, breakIt: { jwks.cutNext("/jwks", times: 10) }, repair: { jwks.cutNext("/jwks", times: 0) },
            failure: "identity provider unreachable")
    }

    @Test("the ID token's signature does not verify after a rotation: the rotated refresh token is kept")
    func rotationSurvivesBadSignature() async throws {
        let jwks = try ScriptedUpstream([:])
        let good = try await Self.providerAndRelayJWKS(.shared())
        let other = try Self.otherKeys(good)
        jwks.serveJSON("/jwks", good, headers: ["Cache-Control: no-store"])
        let harness = try await Self.idTokenHarness(jwks: jwks)
        try await Self.rotationSurvives(
            harness, breakIt: { jwks.serveJSON("/jwks", other, headers: ["Cache-Control: no-store"]) },
            repair: { jwks.serveJSON("/jwks", good, headers: ["Cache-Control: no-store"]) },
            failure: "signature does not verify")
    }

    @Test("a refresh answered without an ID token: the rotated refresh token is kept, the next run refreshes")
    func rotationSurvivesMissingIDToken() async throws {
        let jwks = try ScriptedUpstream([:])
        jwks.serveJSON("/jwks", try await Self.providerAndRelayJWKS(.shared()), headers: ["Cache-Control: no-store"])
        let harness = try await Self.idTokenHarness(jwks: jwks)
        // glewlwyd itself answers a refresh without an ID token.
        try await Self.rotationSurvives(harness, brokenProfile: "idt", failure: "the provider issued no ID token")
    }
}

extension ReadyHelperTests {
    @Test("a 200 token response with a rotated refresh token but no access_token: the rotated token is kept")
    func rotationSurvivesMalformedTokenResponse() async throws {
        let rotated = "rotated-by-the-provider-0123456789abcdef"
        let token = try ScriptedUpstream([:])
        token.serveJSON("/token", #"{"refresh_token": "\#(rotated)", "token_type": "Bearer", "expires_in": 3600}"#)
        var corp = try await ReadyHelperHarness().profiles["corp"] ?? [:]
        corp["tokenEndpoint"] = token.baseURL + "/token"
        let harness = try await ReadyHelperHarness(extra: ["broken": corp])
        let signIn = try await harness.get("corp", context: "interactive")
        #expect(signIn.status == 0, "sign-in failed: \(signIn.stderr)")
        try harness.expireStoredToken()
        let broken = try await harness.get("broken", context: "background")
        #expect(broken.status != 0 && broken.stdout.isEmpty, "a credential was handed out: \(broken.stderr)")
        #expect(broken.stderr.contains("without an access_token"), "the failure is not reported: \(broken.stderr)")
        // The provider answered 200 and rotated the refresh token, but the answer does not decode (no
        // access_token): the refresh token in it is stored all the same, so the next run does not send
        // the old one (invalid_grant, or family revocation with reuse detection).
        let kept = try harness.record()?.refreshToken?.reveal() == rotated
        #expect(kept, "the rotated refresh token in the malformed answer was not stored")
    }
}
