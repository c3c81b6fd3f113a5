import CredentialHelperProtocol

/// HTTPS is required for every provider URL, except on loopback (a provider or test server on this
/// machine), where plain HTTP cannot be intercepted.
enum EndpointSecurity {
    static func check(_ url: String, role: String) throws(OAuthError) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return }
        if lower.hasPrefix("http://"), LoopbackHost.contains(String(SplitURL(lower).host)) { return }
        throw OAuthError(
            .insecureEndpoint,
            "the \(role) \(url) is not HTTPS; only loopback addresses may use plain HTTP — fix the profile's "
                + "issuer or the provider's discovery document")
    }
}
