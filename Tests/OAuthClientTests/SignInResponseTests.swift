import AsyncHTTPClient
import CredentialHelperProtocol
import Foundation
import JWTKit
import OAuthClient
import Testing

/// Checks on what comes back from a sign-in, against hostile answers: the redirect's `iss`
/// (RFC 9207 mix-up protection) through the real loopback listener, and `azp` in ID tokens with
/// several audiences, signed by a key made here.
@Suite("Sign-in responses: RFC 9207 iss, ID-token azp", .timeLimit(.minutes(1)))
struct SignInResponseTests {
    static let issuer = "https://idp.example.com/realms/corp"

    /// Starts a listener, sends the browser's redirect with `query`, and returns what it made of it.
    func redirect(_ query: String, issuerRequired: Bool) async throws -> Result<String, OAuthError> {
        let listener = try await LoopbackRedirectListener.start(
            port: 0, expectedState: "state-1", issuer: Self.issuer, issuerRequired: issuerRequired)
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: listener.redirectURI + "?" + query), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        do {
            let redirect = try await listener.waitForRedirect(until: .now + .seconds(5))
            await listener.stop()
            return .success(redirect.code)
        } catch {
            await listener.stop()
            return .failure(error)
        }
    }

    @Test("a redirect naming another issuer is refused, whatever the provider advertises")
    func issuerMismatch() async throws {
        let evil = "https%3A%2F%2Fevil.example.com"
        for required in [false, true] {
            let result = try await redirect("code=abc&state=state-1&iss=\(evil)", issuerRequired: required)
            guard case .failure(let error) = result else {
                Issue.record("a mixed-up response was accepted")
                continue
            }
            #expect(error.providerError == "iss_mismatch" && error.description.contains("RFC 9207"), "\(error)")
        }
    }

    @Test("a redirect without iss is refused when the provider says it always sends one, and accepted otherwise")
    func issuerMissing() async throws {
        let refused = try await redirect("code=abc&state=state-1", issuerRequired: true)
        guard case .failure(let error) = refused else {
            Issue.record("a response without iss was accepted from a provider that always sends it")
            return
        }
        #expect(error.providerError == "iss_missing")
        let accepted = try await redirect("code=abc&state=state-1", issuerRequired: false)
        #expect((try? accepted.get()) == "abc")
        let named = try await redirect(
            "code=xyz&state=state-1&iss=\(Self.issuer.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
            issuerRequired: true)
        #expect((try? named.get()) == "xyz")
    }

    struct Claims: JWTPayload {
        var iss: String
        var sub: String
        var aud: [String]
        var azp: String?
        var exp: Double
        var iat: Double
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test("an ID token with several audiences needs azp naming this client")
    func authorizedParty() async throws {
        let key = ES256PrivateKey()
        let keys = await JWTKeyCollection().add(ecdsa: key, kid: "test-key")
        let parameters = try #require(key.parameters)
        let jwks =
            #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "test-key", "alg": "ES256", "use": "sig", "#
            + #""x": "\#(parameters.x)", "y": "\#(parameters.y)"}]}"#
        let now = Date().timeIntervalSince1970
        func verify(aud: [String], azp: String?) async throws -> Bool {
            let token = try await keys.sign(
                Claims(iss: Self.issuer, sub: "alice", aud: aud, azp: azp, exp: now + 600, iat: now), kid: "test-key")
            do {
                _ = try await IDTokenVerifier().verify(
                    Secret(token), jwksJSON: jwks, issuer: Self.issuer, clientID: "credhelper", nonce: nil, now: now)
                return true
            } catch {
                #expect(error.code == .idTokenRejected)
                return false
            }
        }
        #expect(try await verify(aud: ["credhelper"], azp: nil))
        #expect(try await verify(aud: ["credhelper", "gateway"], azp: "credhelper"))
        #expect(try await !verify(aud: ["credhelper", "gateway"], azp: nil))
        #expect(try await !verify(aud: ["credhelper", "gateway"], azp: "gateway"))
        #expect(try await !verify(aud: ["gateway"], azp: "credhelper"))
    }
}
