import CredentialHelperProtocol
import Crypto

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
/// with swift-crypto's HMAC-SHA256, in header form (`Authorization`) and query form (a presigned URL).
///
/// It canonicalizes exactly as botocore's `SigV4Auth` and `SigV4QueryAuth` do, quirks included (the
/// path's dot segments and repeated slashes removed and then percent-encoded once more, the query
/// of a header-signed URL sorted as it is, not re-encoded), so that a request signed here is
/// accepted wherever botocore's is; Tests/AWSCredentialsTests compares the two over 100,000
/// generated requests.
public struct SigV4Signer: Sendable {
    /// The credentials that sign.
    public var credentials: AWSSessionCredentials
    /// The region, such as `us-east-1`.
    public var region: String
    /// The service's signing name, such as `sts` or `bedrock`.
    public var service: String

    /// A signer.
    public init(credentials: AWSSessionCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Headers that are never signed (a proxy or the HTTP client may change them).
    static let unsignedHeaders: Set = [
        "baggage", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "traceparent", "tracestate", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// `request` with `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and `Authorization`
    /// set for the time `seconds` (since 1970, UTC; fractions dropped).
    public func signed(_ request: SigV4Request, at seconds: Double) -> SigV4Request {
        let timestamp = SigV4Encoding.timestamp(Int64(seconds.rounded(.down)))
        var request = request
        request.removeHeader("Authorization")
        request.removeHeader("X-Amz-Date")
        request.headers.append(("X-Amz-Date", timestamp))
        if let token = credentials.sessionToken {
            request.removeHeader("X-Amz-Security-Token")
            request.headers.append(("X-Amz-Security-Token", token.reveal()))
        }
        let split = SplitURL(request.url)
        let signing = signingHeaders(request, split)
        let canonical = canonicalRequest(request, split: split, query: Self.sortedQuery(split.query), signing)
        let signature = signature(canonical, timestamp: timestamp)
        request.headers.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(timestamp)), "
                    + "SignedHeaders=\(signing.names), Signature=\(signature)"
            ))
        return request
    }

    /// The presigned URL of `request` with `parameters` added to its query, valid `expires` seconds
    /// from `seconds` (since 1970, UTC).
    public func presignedURL(
        _ request: SigV4Request, parameters: [(String, String)] = [], expires: Int, at seconds: Double
    ) -> String {
        let timestamp = SigV4Encoding.timestamp(Int64(seconds.rounded(.down)))
        var request = request
        var split = SplitURL(request.url)
        let signing = signingHeaders(request, split)
        var operation = QueryParameters.parse(split.query ?? "")
        for (name, value) in parameters { operation.set(name, value) }
        var auth = QueryParameters()
        auth.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
        auth.set("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(timestamp))")
        auth.set("X-Amz-Date", timestamp)
        auth.set("X-Amz-Expires", String(expires))
        auth.set("X-Amz-SignedHeaders", signing.names)
        if let token = credentials.sessionToken { auth.set("X-Amz-Security-Token", token.reveal()) }
        let query = (operation.isEmpty ? "" : operation.encoded + "&") + auth.encoded
        request.url = split.joined(query: query)
        split.query = query
        let canonical = canonicalRequest(request, split: split, query: Self.sortedQuery(query), signing)
        return request.url + "&X-Amz-Signature=" + signature(canonical, timestamp: timestamp)
    }

    /// The canonical headers (`name:value` lines) and the signed header names (`a;b;c`).
    struct SigningHeaders {
        var lines: String
        var names: String
    }

    private func signingHeaders(_ request: SigV4Request, _ split: SplitURL) -> SigningHeaders {
        var values: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased()
            guard !Self.unsignedHeaders.contains(name) else { continue }
            values[name, default: []].append(header.value)
        }
        if values["host"] == nil { values["host"] = [split.hostHeader] }
        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let lines = names.map { name in
            name + ":" + (values[name] ?? []).map(Self.trimAll).joined(separator: ",")
        }
        return SigningHeaders(
            lines: lines.joined(separator: "\n"),
            names: names.map { Self.trimASCIIWhitespace($0) }.joined(separator: ";"))
    }

    private func canonicalRequest(
        _ request: SigV4Request, split: SplitURL, query: String, _ signing: SigningHeaders
    ) -> String {
        let payload = request.header("X-Amz-Content-SHA256") ?? SigV4Encoding.hex(SHA256.hash(data: request.body))
        return [
            request.method.uppercased(),
            SigV4Encoding.percentEncode(Self.normalizedPath(split.path), extraSafe: [UInt8(ascii: "/")]),
            query,
            signing.lines + "\n",
            signing.names,
            payload,
        ].joined(separator: "\n")
    }

    private func scope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signature(_ canonicalRequest: String, timestamp: String) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp, scope(timestamp),
            SigV4Encoding.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey.reveal())".utf8))
        for part in [String(timestamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return SigV4Encoding.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// The path with empty and `.` segments removed and `..` applied (RFC 3986 §5.2.4, plus the
    /// repeated slashes AWS removes); `/` for an empty path.
    static func normalizedPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// A header-signed URL's query as SigV4 canonicalizes it: `name=value` pairs split at the first
    /// `=`, sorted by name then value, used as they are encoded.
    static func sortedQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        // A struct, not a tuple, and bytes, not key paths: tuple and key-path metadata are built at
        // run time, which the cached Bedrock key's path pays. Code-point order is UTF-8 byte order.
        struct Pair {
            var name: [UInt8]
            var value: [UInt8]
        }
        var pairs: [Pair] = []
        for pair in Array(query.utf8).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            let bytes = Array(pair)
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append(Pair(name: Array(bytes[..<equals]), value: Array(bytes[(equals + 1)...])))
            } else {
                pairs.append(Pair(name: bytes, value: []))
            }
        }
        pairs.sort { lhs, rhs in
            lhs.name != rhs.name
                ? lhs.name.lexicographicallyPrecedes(rhs.name) : lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out += pair.name
            out.append(UInt8(ascii: "="))
            out += pair.value
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A header value with runs of whitespace made one space and the ends trimmed (SigV4's Trimall).
    static func trimAll(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in value.unicodeScalars {
            if isWhitespace(scalar) {
                space = !out.isEmpty
                continue
            }
            if space { out.append(" ") }
            space = false
            out.append(scalar)
        }
        return String(out)
    }

    private static func trimASCIIWhitespace(_ value: String) -> String {
        let scalars = value.unicodeScalars
        var (start, end) = (scalars.startIndex, scalars.endIndex)
        while start < end, isWhitespace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isWhitespace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(value[start..<end])
    }

    /// Python's `str.split()` whitespace (its ASCII and Latin-1 part, and the Unicode spaces).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default: false
        }
    }
}
