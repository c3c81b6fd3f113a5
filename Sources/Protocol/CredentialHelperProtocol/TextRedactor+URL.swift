extension TextRedactor {
    /// Query and fragment parameters shown as they are: an authorization request's (RFC 6749 §4.1.1,
    /// RFC 7636, OpenID Connect Core §3.1.2.1, RFC 8707, RFC 9396) and a device sign-in page's
    /// `user_code` (RFC 8628 §3.3.1), which the person types anyway. None of them is a secret
    /// (`id_token_hint`, an ID token, is one: it is in ``secretURLParameters``).
    static let publicURLParameters: Set<String> = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
        "nonce", "prompt", "login_hint", "max_age", "ui_locales", "acr_values", "response_mode", "display",
        "claims_locales", "audience", "resource", "authorization_details", "user_code",
        "domain_hint", "hd", "access_type", "include_granted_scopes", "error", "error_description", "error_uri", "iss",
    ]

    /// A public parameter's value is shown up to this many characters, then cut (with `…`): a state,
    /// nonce or PKCE challenge is 43, so only a hostile or broken value is cut.
    static let longestURLParameter = 256

    /// Parameters whose values are always secrets, whatever their shape.
    static let secretURLParameters: Set<String> = [
        "code", "access_token", "id_token", "id_token_hint", "refresh_token", "client_secret", "client_assertion",
        "assertion",
        "device_code", "token", "password", "key", "api_key", "apikey", "sig", "signature",
    ]

    /// An `http` or `https` URL for display: the user information is redacted, each path segment that
    /// looks like a credential is redacted, the standard authorization-request parameters are shown,
    /// secret parameters (`code`, `access_token`, …) are redacted, and any other parameter value is
    /// redacted when it looks like a credential. A value shown is cut after 256 characters. Control
    /// characters (C0, DEL, C1), bidirectional controls and line separators become `?`. `nil` when
    /// `text` is not such a URL.
    public func redactURL(_ text: Substring) -> String? {
        let lowered = text.prefix(8).lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return nil }
        let schemeEnd = text.index(text.startIndex, offsetBy: lowered.hasPrefix("https://") ? 8 : 7)
        let rest = text[schemeEnd...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            authority = Secret.redact(String(authority[..<at])) + authority[at...]
        }
        var output = String(text[..<schemeEnd]) + authority
        var remainder = rest[authorityEnd...]
        let fragmentStart = remainder.firstIndex(of: "#")
        let fragment = fragmentStart.map { remainder[remainder.index(after: $0)...] }
        if let fragmentStart { remainder = remainder[..<fragmentStart] }
        let queryStart = remainder.firstIndex(of: "?")
        let path = queryStart.map { remainder[..<$0] } ?? remainder
        output += path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            Self.looksLikeCredential(String(segment)) ? Secret.redact(String(segment)) : String(segment)
        }.joined(separator: "/")
        if let queryStart { output += "?" + parameters(remainder[remainder.index(after: queryStart)...]) }
        if let fragment { output += "#" + parameters(fragment) }
        return VisibleText.of(output)
    }

    private func parameters(_ text: Substring) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "=") else {
                return Self.looksLikeCredential(String(pair)) ? Secret.redact(String(pair)) : String(pair)
            }
            let name = pair[..<equals].lowercased()
            let value = String(pair[pair.index(after: equals)...])
            let secret =
                Self.secretURLParameters.contains(name)
                || Self.keywords.contains { name.hasSuffix($0) }
                || !Self.publicURLParameters.contains(name) && Self.looksLikeCredential(value)
            if secret && !value.isEmpty { return pair[...equals] + Secret.redact(value) }
            return pair[...equals] + Self.cut(value, Self.longestURLParameter)
        }.joined(separator: "&")
    }
}
