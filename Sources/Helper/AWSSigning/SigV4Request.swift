import CredentialHelperProtocol

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

extension SplitURL {
    /// The `host` header value botocore derives: the host in lower case, without user information,
    /// with the port unless it is the scheme's default.
    var hostHeader: String {
        var value = (isBracketed ? "[\(host)]" : String(host)).lowercased()
        if let portText, let number = Int(portText), number != (scheme == "https" ? 443 : scheme == "http" ? 80 : -1) {
            value += ":\(number)"
        }
        return value
    }
}
