import CredentialHelperProtocol
import Foundation
import OAuthClient
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The OAuth client against the real glewlwyd: discovery, the device grant (approved by a user
/// through the provider's own endpoints), refresh with rotation, and ID-token verification. It uses
/// the confidential client, so the helper tests' counts of the public client's grants stay exact.
@Suite("OAuth client against a real provider", .serialized, .timeLimit(.minutes(2)))
struct OAuthClientTests {
    let idp: IdentityProvider
    let client: OAuthClient

    init() async throws {
        idp = try await IdentityProvider.shared()
        let secret = try String(contentsOfFile: idp.info.clientSecretFile, encoding: .utf8)
        client = OAuthClient(
            OAuthClientConfiguration(
                issuer: idp.info.issuer, clientID: idp.info.confidentialClient,
                clientSecret: Secret(secret.trimmingCharacters(in: .whitespacesAndNewlines)), scopes: idp.info.scopes))
    }

    var deadline: ContinuousClock.Instant { .now + .seconds(30) }

    /// Signs the test user in with the device grant, approving it as the user would in a browser.
    func deviceSignIn(_ metadata: IdPMetadata) async throws -> TokenGrant {
        // glewlwyd keeps its state in SQLite and answers 500 now and then while other suites sign in
        // at the same moment: ask again, at most twice, for that case only.
        let device = try await requestDeviceCode(metadata, attemptsLeft: 3)
        let uri = try #require(device.verificationURIComplete)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        browser.arguments = ["python3", IdentityProvider.fixtureScript, uri]
        browser.environment = idp.browserEnvironment.merging([
            "PATH": "/usr/bin:/bin", "CREDHELPER_TEST_CLIENT": idp.info.confidentialClient,
        ]) { $1 }
        try browser.run()
        let grant = try await client.pollDeviceToken(device, metadata: metadata, until: deadline)
        try await OffPool.wait { browser.waitUntilExit() }
        return grant
    }

    func requestDeviceCode(_ metadata: IdPMetadata, attemptsLeft: Int) async throws -> DeviceAuthorization {
        do {
            return try await client.requestDeviceCode(metadata: metadata, until: deadline)
        } catch {
            guard error.description.contains("HTTP 500"), attemptsLeft > 1 else { throw error }
            try await Task.sleep(for: .milliseconds(200))
            return try await requestDeviceCode(metadata, attemptsLeft: attemptsLeft - 1)
        }
    }

    @Test("discovery finds every endpoint the helper uses")
    func discovery() async throws {
        let metadata = try await client.discover(until: deadline)
        #expect(metadata.issuer == idp.info.issuer)
        #expect(metadata.deviceAuthorizationEndpoint != nil && metadata.jwksURI != nil)
        #expect(metadata.codeChallengeMethodsSupported == ["S256"])
    }

    @Test("device grant, then refresh rotates the refresh token and the old one is refused")
    func deviceThenRefresh() async throws {
        let metadata = try await client.discover(until: deadline)
        let grant = try await deviceSignIn(metadata)
        let refreshToken = try #require(grant.refreshToken)
        let refreshed = try await client.refresh(refreshToken, metadata: metadata, until: deadline)
        #expect(refreshed.accessToken != grant.accessToken)
        #expect(refreshed.refreshToken != nil && refreshed.refreshToken != refreshToken)
        await #expect {
            _ = try await client.refresh(refreshToken, metadata: metadata, until: deadline)
        } throws: { error in
            (error as? OAuthError)?.code == .invalidGrant && !"\(error)".contains(refreshToken.reveal())
        }
    }

    @Test("ID tokens verify against the JWKS; wrong audience, a far-off clock and tampering are refused")
    func idTokenVerification() async throws {
        let metadata = try await client.discover(until: deadline)
        let grant = try await deviceSignIn(metadata)
        let idToken = try #require(grant.idToken)
        let jwks = try await client.fetchDocument(try #require(metadata.jwksURI), until: deadline)
        let verifier = IDTokenVerifier()
        let now = Date().timeIntervalSince1970
        let claims = try await verifier.verify(
            idToken, jwksJSON: jwks, issuer: idp.info.issuer, clientID: idp.info.confidentialClient, nonce: nil,
            now: now)
        #expect(claims.displayName == "Alice Example")
        // Within the leeway, a clock a minute ahead still accepts it.
        _ = try await verifier.verify(
            idToken, jwksJSON: jwks, issuer: idp.info.issuer, clientID: idp.info.confidentialClient, nonce: nil,
            now: now + 60)
        let refusals: [(String, String?, Double, Secret)] = [
            ("someone-else", nil, now, idToken),
            (idp.info.confidentialClient, nil, now + 7200, idToken),  // this machine's clock two hours ahead
            (idp.info.confidentialClient, nil, now - 7200, idToken),  // … or behind: issued "in the future"
            (idp.info.confidentialClient, "a-nonce", now, idToken),  // a nonce was sent but the token has none
            (idp.info.confidentialClient, nil, now, Secret(idToken.reveal().dropLast(4) + "AAAA")),
        ]
        for (clientID, nonce, when, token) in refusals {
            await #expect(throws: OAuthError.self) {
                _ = try await verifier.verify(
                    token, jwksJSON: jwks, issuer: idp.info.issuer, clientID: clientID, nonce: nonce, now: when)
            }
        }
    }

    @Test("a plain-HTTP issuer that is not on loopback is refused before any request")
    func insecureIssuer() async {
        let remote = OAuthClient(OAuthClientConfiguration(issuer: "http://login.example.com", clientID: "c"))
        await #expect {
            _ = try await remote.discover(until: deadline)
        } throws: { error in
            (error as? OAuthError)?.code == .insecureEndpoint
        }
    }

    @Test("PKCE S256 matches RFC 7636's example")
    func pkce() {
        // RFC 7636 Appendix B.
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.generate().verifier.count == 43)
    }
}
