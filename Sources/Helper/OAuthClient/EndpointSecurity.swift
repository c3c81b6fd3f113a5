import CredentialHelperProtocol

/// HTTPS is required for every provider URL, except on loopback (a provider or test server on this
/// machine), where plain HTTP cannot be intercepted.
enum EndpointSecurity {
    static func check(_ url: String, role: String) throws(OAuthError) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return }
        if lower.hasPrefix("http://"), LoopbackHost.contains(host(of: lower)) { return }
        throw OAuthError(
            .insecureEndpoint,
            "the \(role) \(url) is not HTTPS; only loopback addresses may use plain HTTP — fix the profile's "
                + "issuer or the provider's discovery document")
    }

    /// The URL's host, IPv6 without brackets.
    static func host(of url: String) -> String {
        let authority = authority(of: url)
        if authority.hasPrefix("[") { return String(authority.dropFirst().prefix { $0 != "]" }) }
        return String(authority.prefix { $0 != ":" })
    }

    /// The URL's port: the one it names, else 443 for `https://` and 80 otherwise.
    static func port(of url: String) -> Int {
        let authority = authority(of: url)
        let afterHost =
            authority.hasPrefix("[") ? authority.drop { $0 != "]" }.dropFirst() : authority.drop { $0 != ":" }
        if afterHost.hasPrefix(":"), let port = Int(afterHost.dropFirst()) { return port }
        return url.lowercased().hasPrefix("https://") ? 443 : 80
    }

    private static func authority(of url: String) -> Substring {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return rest
    }
}
