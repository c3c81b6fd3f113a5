/// An HTTP request to sign with Signature Version 4: method, absolute URL, headers in order (names
/// may repeat) and body.
public struct SigV4Request: Sendable, Hashable {
    /// The method, such as `POST`.
    public var method: String
    /// The absolute URL, `scheme://host[:port]/path[?query]`, with its query already encoded the
    /// way it is sent.
    public var url: String
    /// The header fields, in order; a name may appear more than once.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// A request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: SigV4Request, rhs: SigV4Request) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
        for header in headers {
            hasher.combine(header.name)
            hasher.combine(header.value)
        }
    }

    /// The first value of header `name` (any case).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Removes every header named `name` (any case).
    mutating func removeHeader(_ name: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
    }
}

/// The parts of an absolute URL that signing uses, split the way Python's `urlsplit` splits them:
/// the authority ends at the first `/`, `?` or `#`, the fragment starts at the first `#`, the query
/// at the first `?` before it.
struct SplitURL {
    var scheme: String
    var authority: String
    var path: String
    var query: String?
    var fragment: String?

    init(_ url: String) {
        var rest = Substring(url)
        if let range = rest.firstRange(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = rest[range.upperBound...]
        } else {
            scheme = ""
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        authority = String(rest[..<authorityEnd])
        rest = rest[authorityEnd...]
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        path = String(rest)
    }

    /// The `host` header value botocore derives: the host in lower case, without user information,
    /// with the port unless it is the scheme's default.
    var hostHeader: String {
        var host = Substring(authority)
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        var port: Substring?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        var value = host.lowercased()
        if let port, let number = Int(port), number != (scheme == "https" ? 443 : scheme == "http" ? 80 : -1) {
            value += ":\(number)"
        }
        return value
    }

    /// The URL back together, with `query` replaced.
    func joined(query newQuery: String) -> String {
        (scheme.isEmpty ? "" : scheme + "://") + authority + path + (newQuery.isEmpty ? "" : "?" + newQuery)
            + (fragment.map { "#" + $0 } ?? "")
    }
}
