import CredentialHelperProtocol
import JWTKit

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The claims of a verified ID token that the helper uses.
public struct IDTokenClaims: Sendable, Hashable {
    /// `sub`: the user's identifier at the provider.
    public var subject: String
    /// A name to show: `name`, else `email`, else `preferred_username`.
    public var displayName: String?
    /// `exp`, seconds since 1970 on the provider's clock.
    public var expiresAt: Double
    /// `iat`, seconds since 1970 on the provider's clock.
    public var issuedAt: Double?
}

/// Verifies OpenID Connect ID tokens against the issuer's JWKS (jwt-kit): signature, `iss`, `aud`
/// (the client id), `azp` when there are several audiences, `exp` and `iat` with a
/// leeway, and `nonce` when one was sent.
public struct IDTokenVerifier: Sendable {
    /// Allowed clock difference with the provider.
    public var leeway: Double = 120

    /// A verifier.
    public init() {}

    /// Verifies `token` with the keys in `jwksJSON`; `now` is seconds since 1970.
    public func verify(
        _ token: Secret, jwksJSON: String, issuer: String, clientID: String, nonce: String?, now: Double
    ) async throws(OAuthError) -> IDTokenClaims {
        let payload: Payload
        do {
            let keys = try await JWTKeyCollection().add(jwksJSON: jwksJSON)
            payload = try await keys.verify(token.reveal(), as: Payload.self)
        } catch {
            throw OAuthError(.idTokenRejected, "the ID token's signature does not verify with \(issuer)'s keys")
        }
        guard payload.iss == issuer else {
            throw OAuthError(.idTokenRejected, "the ID token was issued by \(payload.iss), not \(issuer)")
        }
        guard payload.aud.contains(clientID) else {
            throw OAuthError(
                .idTokenRejected, "the ID token is for \(payload.aud.joined(separator: ", ")), not \(clientID)")
        }
        // OpenID Connect Core §3.1.3.7: with several audiences the token must say which party it was
        // issued to (`azp`), and that party must be this client. (With one audience — this client —
        // `azp` may name another of the same project's clients, as Google's cross-client tokens do.)
        if payload.aud.count > 1 {
            guard let azp = payload.azp else {
                throw OAuthError(
                    .idTokenRejected, "the ID token has several audiences but no azp claim naming \(clientID)")
            }
            guard azp == clientID else {
                throw OAuthError(.idTokenRejected, "the ID token was issued to \(azp) (azp), not \(clientID)")
            }
        }
        guard payload.exp + leeway > now else {
            throw OAuthError(.idTokenRejected, "the ID token has expired; check this machine's clock")
        }
        if let iat = payload.iat, iat - leeway > now {
            throw OAuthError(.idTokenRejected, "the ID token was issued in the future; check this machine's clock")
        }
        if let nonce, payload.nonce != nonce {
            throw OAuthError(.idTokenRejected, "the ID token's nonce does not match the sign-in request")
        }
        return IDTokenClaims(
            subject: payload.sub, displayName: payload.name ?? payload.email ?? payload.preferredUsername,
            expiresAt: payload.exp, issuedAt: payload.iat)
    }

    struct Payload: JWTPayload {
        var iss: String
        var sub: String
        var aud: [String]
        var azp: String?
        var exp: Double
        var iat: Double?
        var nonce: String?
        var name: String?
        var email: String?
        var preferredUsername: String?

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, azp, exp, iat, nonce, name, email
            case preferredUsername = "preferred_username"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            iss = try container.decode(String.self, forKey: .iss)
            sub = try container.decode(String.self, forKey: .sub)
            if let single = try? container.decode(String.self, forKey: .aud) {
                aud = [single]
            } else {
                aud = try container.decode([String].self, forKey: .aud)
            }
            azp = try container.decodeIfPresent(String.self, forKey: .azp)
            exp = try container.decode(Double.self, forKey: .exp)
            iat = try container.decodeIfPresent(Double.self, forKey: .iat)
            nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            preferredUsername = try container.decodeIfPresent(String.self, forKey: .preferredUsername)
        }

        /// Claims are checked by ``IDTokenVerifier`` against an injectable `now`.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

/// Reads a JWT's claims without verifying it — only for expiry arithmetic on tokens the provider
/// just sent over TLS (an access token's `exp`/`iat`), never to decide who someone is.
public enum UnverifiedJWT {
    /// `exp` and `iat` of `token` when it is a JWT carrying them.
    public static func times(of token: Secret) -> (expiresAt: Double?, issuedAt: Double?) {
        let parts = token.reveal().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return (nil, nil) }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONDecoder().decode([String: JSONNumberOrOther].self, from: data)
        else { return (nil, nil) }
        return (object["exp"]?.number, object["iat"]?.number)
    }

    struct JSONNumberOrOther: Decodable {
        let number: Double?
        init(from decoder: any Decoder) throws {
            number = try? decoder.singleValueContainer().decode(Double.self)
        }
    }
}
