import AsyncHTTPClient
import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the authorization endpoint answered to a sign-in request sent without a browser and
/// without following redirects: whether a sign-in could start at all.
///
/// A provider that does not know the client, or does not have the redirect URI registered for it,
/// answers with an error status or a redirect carrying `error` (RFC 6749 §4.1.2.1) instead of its
/// login page. Seeing that before the browser opens turns a sign-in that could never finish into
/// an immediate, named failure.
public enum AuthorizationProbe: Sendable, Hashable {
    /// The provider went on with the sign-in (its login page, or a redirect to it).
    case accepted
    /// The provider refused the request.
    case refused(Refusal)

    /// How the provider refused: the HTTP status, and the OAuth `error` and `error_description`
    /// when it gave them (in a JSON body or in the redirect).
    public struct Refusal: Sendable, Hashable, CustomStringConvertible {
        /// The HTTP status.
        public var status: Int
        /// The OAuth `error` value.
        public var error: String?
        /// The provider's `error_description`, shortened to 200 characters.
        public var errorDescription: String?

        /// `HTTP 403`, or `HTTP 302 with error=invalid_request: redirect_uri mismatch`.
        public var description: String {
            guard let error else { return "HTTP \(status)" }
            return "HTTP \(status) with error=\(error)" + (errorDescription.map { ": \($0)" } ?? "")
        }
    }

    /// The answer to `url` (a full authorization request). A 3xx whose `Location` carries `error`,
    /// and every 4xx, are refusals; any other redirect and any 2xx mean the provider would show its
    /// login page. A 5xx throws: it says nothing about the request.
    static func interpret(status: Int, location: String?, body: [UInt8]) -> AuthorizationProbe? {
        switch status {
        case 200..<300:
            return .accepted
        case 300..<400:
            let parameters = location.map(queryParameters(of:)) ?? [:]
            guard let error = parameters["error"] else { return .accepted }
            return .refused(
                Refusal(
                    status: status, error: shown(error), errorDescription: parameters["error_description"].map(shown)))
        case 400..<500:
            struct Body: Decodable {
                var error: String?
                var error_description: String?
            }
            let parsed = try? JSONDecoder().decode(Body.self, from: Data(body))
            return .refused(
                Refusal(
                    status: status, error: parsed?.error.map(shown),
                    errorDescription: parsed?.error_description.map(shown)))
        default:
            return nil
        }
    }

    /// The query and fragment parameters of `url`, percent-decoded (the first value of each name).
    static func queryParameters(of url: String) -> [String: String] {
        guard let start = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return [:] }
        var parameters: [String: String] = [:]
        for pair in url[url.index(after: start)...].split(whereSeparator: { $0 == "&" || $0 == "#" || $0 == "?" }) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let name = parts.first.map(decode), parameters[name] == nil else { continue }
            parameters[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return parameters
    }

    /// A provider's error text as a terminal may show it (``VisibleText``), at most 200 characters.
    /// The redirect's parameters are percent-decoded, so they may hold any byte.
    static func shown(_ text: String) -> String { VisibleText.of(text, limit: 200) }
}

extension OAuthClient {
    /// Sends the authorization request the browser would send, without following its redirect,
    /// and says whether the provider would start a sign-in. With `redirectURI` nil the request
    /// carries no `redirect_uri` (which OAuth 2.0 allows for a client with one registered URI): a
    /// provider that accepts that but refuses the request with the URI does not have the URI
    /// registered. Nothing secret is sent: the PKCE challenge, state and nonce are thrown away.
    ///
    /// Returns nil when the answer tells nothing (a 5xx). Throws when the provider cannot be reached.
    public func probeAuthorization(
        metadata: IdPMetadata, redirectURI: String?, until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> AuthorizationProbe? {
        var url = try authorizationURL(
            metadata: metadata, redirectURI: redirectURI ?? "http://127.0.0.1/callback", pkce: PKCE.generate(),
            state: PKCE.randomToken(bytes: 16), nonce: PKCE.randomToken(bytes: 16))
        if redirectURI == nil, let query = url.firstIndex(of: "?") {
            let kept = url[url.index(after: query)...].split(separator: "&").filter { !$0.hasPrefix("redirect_uri=") }
            url = url[...query] + kept.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/html")
        let reply = try await http.send(request, until: deadline)
        return AuthorizationProbe.interpret(status: reply.status, location: reply.location, body: reply.body)
    }
}
