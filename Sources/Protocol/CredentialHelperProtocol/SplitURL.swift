/// A URL split into its parts, once, the way Python's `urlsplit` splits one: the scheme ends at
/// the first `:` when `//` follows it, the authority ends at the first `/`, `?` or `#`, the
/// fragment starts at the first `#`, the query at the first `?` before it.
///
/// It is the one splitter every module uses for URLs it is given (issuer, proxy, upstream,
/// gateway, signing): it splits and never validates, so each caller keeps its own rule and its
/// own message. Text without a scheme (`host:port/path`) is read as an authority and a path.
public struct SplitURL: Sendable, Hashable {
    /// The scheme in lower case, or empty when the text names none.
    public var scheme: String
    /// `[user[:password]@]host[:port]` as written.
    public var authority: String
    /// From the first `/` after the authority up to the query; may be empty.
    public var path: String
    /// After the first `?`, without it; nil when there is no `?`.
    public var query: String?
    /// After the first `#`, without it; nil when there is no `#`.
    public var fragment: String?

    /// Splits `url`; every input gives a value. Delimiters are found by Unicode scalar, as Python
    /// finds them by code point: a `?` followed by a combining mark is one `Character`, and still
    /// starts the query.
    public init(_ url: String) {
        var rest = Substring(url).unicodeScalars
        scheme = ""
        if let colon = rest.firstIndex(of: ":"), Self.isScheme(rest[..<colon]),
            rest[rest.index(after: colon)...].starts(with: "//".unicodeScalars)
        {
            scheme = String(Substring(rest[..<colon])).lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        authority = String(Substring(rest[..<authorityEnd]))
        rest = rest[authorityEnd...]
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(Substring(rest[rest.index(after: hash)...]))
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(Substring(rest[rest.index(after: question)...]))
            rest = rest[..<question]
        }
        path = String(Substring(rest))
    }

    /// What comes before the authority's last `@` (user name and password, still percent-encoded),
    /// or nil.
    public var userInformation: Substring? {
        authority.unicodeScalars.lastIndex(of: "@").map { Substring(authority.unicodeScalars[..<$0]) }
    }

    /// The authority without user information: `host[:port]`, IPv6 in brackets.
    public var hostAndPort: Substring {
        let scalars = authority.unicodeScalars
        guard let at = scalars.lastIndex(of: "@") else { return Substring(authority) }
        return Substring(scalars[scalars.index(after: at)...])
    }

    /// Whether the host is written in brackets (an IPv6 literal).
    public var isBracketed: Bool { hostAndPort.unicodeScalars.first == "[" }

    /// The host as written, an IPv6 literal without its brackets.
    public var host: Substring {
        let scalars = hostAndPort.unicodeScalars
        if isBracketed { return Substring(scalars.dropFirst().prefix { $0 != "]" }) }
        return Substring(scalars.prefix { $0 != ":" })
    }

    /// The text after the host's `:`, or nil when the authority names no port.
    public var portText: Substring? {
        let scalars = hostAndPort.unicodeScalars
        let afterHost = isBracketed ? scalars.drop { $0 != "]" }.dropFirst() : scalars.drop { $0 != ":" }
        return afterHost.first == ":" ? Substring(afterHost.dropFirst()) : nil
    }

    /// The port the URL names when it is a number from 1 to 65535, else the scheme's: 443 for
    /// `https`, 80 otherwise.
    public var port: Int {
        if let portText, let number = Int(portText), (1...65_535).contains(number) { return number }
        return defaultPort
    }

    /// 443 for `https`, 80 otherwise.
    public var defaultPort: Int { scheme == "https" ? 443 : 80 }

    /// `scheme://host[:port]`, without user information: where a request goes, for messages.
    public var origin: String { (scheme.isEmpty ? "" : scheme + "://") + hostAndPort }

    /// The URL put back together for showing: user information, the query and the fragment (any may
    /// hold a key) are replaced by `…`.
    public var shown: String {
        var hidden = self
        hidden.fragment = fragment.map { _ in "…" }
        return hidden.joined(
            authority: userInformation == nil ? authority : "…@" + hostAndPort, query: query.map { _ in "…" })
    }

    /// The URL put back together with `query` in place of its own (nil or empty: no `?`).
    public func joined(query newQuery: String?) -> String {
        joined(authority: authority, query: newQuery)
    }

    private func joined(authority: String, query: String?) -> String {
        var url = scheme.isEmpty ? "" : scheme + "://"
        url += authority + path
        if let query, !query.isEmpty { url += "?" + query }
        if let fragment { url += "#" + fragment }
        return url
    }

    /// RFC 3986 §3.1: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isScheme(_ text: Substring.UnicodeScalarView) -> Bool {
        guard let first = text.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return text.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0))
        }
    }
}
