import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The OAuth 2.0 token exchange (RFC 8693) as Google's Security Token Service takes it for workload
/// and workforce identity federation: the company's token in, a Google access token out.
///
/// The request carries the fields google-auth's identity-pool client sends, in its order and with
/// its encoding of `options` (checked field for field against google-auth 2.63.0 by the tests):
/// `grant_type`, `audience`, `scope`, `requested_token_type`, `subject_token`, `subject_token_type`,
/// and `options` (`{"userProject": …}`) for a workforce pool's user project.
public struct GoogleTokenExchange: Sendable, Hashable {
    /// `urn:ietf:params:oauth:grant-type:token-exchange`.
    public static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    /// The requested token type: an access token.
    public static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    /// Google's STS endpoint.
    public static let defaultTokenURL = "https://sts.googleapis.com/v1/token"
    /// The scope Vertex AI needs.
    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    /// The STS endpoint.
    public var tokenURL: String
    /// The pool provider's resource name: `//iam.googleapis.com/projects/N/locations/global/
    /// workloadIdentityPools/POOL/providers/P`, or `//iam.googleapis.com/locations/global/
    /// workforcePools/POOL/providers/P`.
    public var audience: String
    /// What the subject token is: `urn:ietf:params:oauth:token-type:jwt`, `…:id_token`, `…:access_token`.
    public var subjectTokenType: String
    /// The scopes of the Google token.
    public var scopes: [String]
    /// A workforce pool's user project (billing and quota), sent as `options`.
    public var workforcePoolUserProject: String?
    /// The most the request may take.
    public var requestTimeout: Duration

    /// An exchange.
    public init(
        tokenURL: String = Self.defaultTokenURL, audience: String, subjectTokenType: String,
        scopes: [String] = [Self.cloudPlatformScope], workforcePoolUserProject: String? = nil,
        requestTimeout: Duration = .seconds(10)
    ) {
        self.tokenURL = tokenURL
        self.audience = audience
        self.subjectTokenType = subjectTokenType
        self.scopes = scopes
        self.workforcePoolUserProject = workforcePoolUserProject
        self.requestTimeout = requestTimeout
    }

    /// The form fields for `subjectToken`, in google-auth's order (empty ones left out, as it does).
    public func fields(subjectToken: Secret) -> [(String, String)] {
        var fields = [
            ("grant_type", Self.grantType), ("audience", audience), ("scope", scopes.joined(separator: " ")),
            ("requested_token_type", Self.accessTokenType), ("subject_token", subjectToken.reveal()),
            ("subject_token_type", subjectTokenType),
        ]
        if let workforcePoolUserProject {
            // google-auth sends urllib.parse.quote(json.dumps({"userProject": …})), form-encoded again.
            let json = "{\"userProject\": " + JSONString.quoted(workforcePoolUserProject) + "}"
            fields.append(("options", Self.pythonQuote(json)))
        }
        return fields.filter { !$0.1.isEmpty }
    }

    /// Exchanges `subjectToken` for a Google access token, over `connection` (company CAs, a proxy).
    public func exchange(
        _ subjectToken: Secret, connection: IdPConnection, until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> TokenGrant {
        try EndpointSecurity.check(tokenURL, role: "STS token endpoint")
        let http = IdPHTTP(route: connection.route(for:), requestTimeout: requestTimeout)
        let reply = try await http.postForm(tokenURL, fields(subjectToken: subjectToken), until: deadline)
        guard reply.status == 200 else { throw failure(reply) }
        let body: TokenResponseBody
        do { body = try JSONDecoder().decode(TokenResponseBody.self, from: Data(reply.body)) } catch {
            throw OAuthError(.malformedResponse, "\(tokenURL) answered the token exchange without an access_token")
        }
        return TokenGrant(
            accessToken: Secret(body.accessToken), expiresIn: body.expiresIn, scope: body.scope,
            receivedAt: reply.receivedAt)
    }

    /// The STS's refusal as one sentence: its OAuth error and description (Google's say which
    /// condition, audience or token failed), never what was sent.
    private func failure(_ reply: IdPHTTP.Reply) -> OAuthError {
        let parsed = try? JSONDecoder().decode(ErrorResponseBody.self, from: Data(reply.body))
        let said =
            parsed.map { body in
                body.error + (body.errorDescription.map { ": " + String($0.prefix(300)) } ?? "")
            } ?? "no OAuth error"
        return OAuthError(
            .rejected,
            "\(tokenURL) refused the token exchange for audience \(audience) (HTTP \(reply.status), \(said)); check "
                + "the pool provider's audience, attribute condition and issuer, and the profile's subjectTokenType",
            providerError: parsed?.error)
    }

    /// Python's `urllib.parse.quote` with its default safe set: letters, digits, `_.-~` and `/`
    /// stay; every other UTF-8 byte becomes `%XX`.
    static func pythonQuote(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
