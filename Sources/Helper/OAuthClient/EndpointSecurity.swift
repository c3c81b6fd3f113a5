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

    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") { return String(rest.dropFirst().prefix { $0 != "]" }) }
        return String(rest.prefix { $0 != ":" })
    }
}
