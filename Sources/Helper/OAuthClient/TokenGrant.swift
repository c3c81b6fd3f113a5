import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A successful token response (RFC 6749 §5.1), with the secrets wrapped and the time it arrived.
public struct TokenGrant: Sendable, Hashable {
    /// The access token.
    public var accessToken: Secret
    /// The refresh token, when one was issued (with rotation, a new one each time).
    public var refreshToken: Secret?
    /// The OpenID Connect ID token, when one was issued.
    public var idToken: Secret?
    /// `expires_in`, as sent: only meaningful together with ``receivedAt``.
    public var expiresIn: Double?
    /// The granted scopes.
    public var scope: String?
    /// When the response arrived (seconds since 1970, this machine's clock).
    public var receivedAt: Double

    /// A grant.
    public init(
        accessToken: Secret, refreshToken: Secret? = nil, idToken: Secret? = nil, expiresIn: Double? = nil,
        scope: String? = nil, receivedAt: Double
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.expiresIn = expiresIn
        self.scope = scope
        self.receivedAt = receivedAt
    }
}

/// The token endpoint's JSON, decoded leniently where providers differ (`expires_in` as a number
/// or a string).
struct TokenResponseBody: Decodable {
    var accessToken: String
    var refreshToken: String?
    var idToken: String?
    var expiresIn: Double?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case idToken = "id_token"
        case expiresIn = "expires_in"
        case scope
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try container.decode(String.self, forKey: .accessToken)
        refreshToken = try container.decodeIfPresent(String.self, forKey: .refreshToken)
        idToken = try container.decodeIfPresent(String.self, forKey: .idToken)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        if let number = try? container.decodeIfPresent(Double.self, forKey: .expiresIn) {
            expiresIn = number
        } else {
            expiresIn = (try? container.decodeIfPresent(String.self, forKey: .expiresIn)).flatMap {
                $0.flatMap(Double.init)
            }
        }
    }
}

extension TokenResponseBody {
    /// The `refresh_token` of a token response that does not decode as a whole (no `access_token`),
    /// when it has a non-empty one.
    static func refreshToken(in body: [UInt8]) -> Secret? {
        struct RefreshTokenOnly: Decodable {
            var refreshToken: String?
            enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
        }
        guard let token = try? JSONDecoder().decode(RefreshTokenOnly.self, from: Data(body)).refreshToken,
            !token.isEmpty
        else { return nil }
        return Secret(token)
    }
}

/// An OAuth error response (RFC 6749 §5.2).
struct ErrorResponseBody: Decodable {
    var error: String
    var errorDescription: String?

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}
