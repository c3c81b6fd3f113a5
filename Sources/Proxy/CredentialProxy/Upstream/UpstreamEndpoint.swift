import CredentialHelperProtocol

/// Where the proxy forwards, parsed once from `--upstream`: `http[s]://host[:port][/prefix]`.
struct UpstreamEndpoint: Sendable, Hashable {
    let useTLS: Bool
    /// The host to connect to (an IPv6 literal without its brackets).
    let host: String
    let port: Int
    /// The `Host` header: the authority as the URL spells it.
    let authority: String
    /// Prepended to each request's path; empty or starting with `/`, never ending with one.
    let pathPrefix: String

    /// `scheme://authority`, for messages.
    var origin: String { (useTLS ? "https://" : "http://") + authority }

    init(_ given: String) throws(ProxyConfigurationError) {
        // Messages never repeat a password written into the URL, nor a control character.
        let url = given.contains("@") ? "\(given.prefix { $0 != "@" }.prefix(8))…" : VisibleText.of(given)
        // A space, CR or LF would end the request line or inject a header line into every request.
        guard given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ProxyConfigurationError(
                "--upstream \"\(url)\" contains a space, a control character (CR, LF, …) or a non-ASCII byte; "
                    + "percent-encode them or fix the URL")
        }
        let split = SplitURL(given)
        switch split.scheme {
        case "https": useTLS = true
        case "http": useTLS = false
        default: throw ProxyConfigurationError("--upstream must be an http:// or https:// URL, not \"\(url)\"")
        }
        guard split.query == nil, split.fragment == nil else {
            throw ProxyConfigurationError("--upstream must not have a query or fragment")
        }
        guard !split.authority.isEmpty, split.userInformation == nil else {
            throw ProxyConfigurationError(
                "--upstream needs a host, and no user or password in the URL (the helper supplies the credential)")
        }
        let host = split.host
        if split.isBracketed, !split.authority.contains("]") {
            throw ProxyConfigurationError("--upstream \"\(url)\" has an unclosed IPv6 address")
        }
        var port = split.defaultPort
        if let portText = split.portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else {
                throw ProxyConfigurationError("--upstream \"\(url)\" has an invalid port \"\(portText)\"")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw ProxyConfigurationError("--upstream \"\(url)\" needs a host") }
        let written = split.isBracketed ? "[\(host)]" : String(host)
        guard split.isBracketed ? LoopbackHost.ipv6(host) != nil : host.allSatisfy(Self.isHostCharacter),
            split.authority == written + (split.portText.map { ":" + $0 } ?? "")
        else {
            throw ProxyConfigurationError(
                "--upstream \"\(url)\" has an invalid host \"\(host)\"; use a DNS name, an IPv4 address or a "
                    + "bracketed IPv6 address")
        }
        var prefix = split.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard prefix.allSatisfy(Self.isPathCharacter) else {
            throw ProxyConfigurationError(
                "--upstream \"\(url)\" has characters a URL path cannot hold; percent-encode them")
        }
        self.host = String(host)
        self.port = port
        self.authority = split.authority
        self.pathPrefix = prefix
    }

    /// Letters, digits, `-`, `.`, `_`, `~` (RFC 3986 unreserved: a DNS name or an IPv4 address).
    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-._~".contains(character))
    }

    /// RFC 3986 `pchar` and `/`: unreserved, percent-encoded, sub-delimiters, `:` and `@`.
    private static func isPathCharacter(_ character: Character) -> Bool {
        isHostCharacter(character) || "%!$&'()*+,;=:@/".contains(character)
    }

}
