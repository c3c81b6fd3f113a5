import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A helper answer as the host holds it: the answer, when it was obtained and until when it is cached.
public struct Credential: Sendable, Hashable {
    /// The helper's answer (token and headers).
    public let answer: HelperAnswer
    /// When the helper produced it.
    public let obtainedAt: Date
    /// When the cache entry expires (`obtainedAt` + TTL). After this the helper re-runs at the next
    /// session start, not mid-session.
    public let expiresAt: Date
    /// The context of the run that produced it.
    public let context: HelperContext

    /// Creates a credential.
    public init(answer: HelperAnswer, obtainedAt: Date, expiresAt: Date, context: HelperContext) {
        self.answer = answer
        self.obtainedAt = obtainedAt
        self.expiresAt = expiresAt
        self.context = context
    }

    /// The token.
    public var token: Secret { answer.token }

    /// Whether the credential is within its TTL at `date` (before ``expiresAt``). Hosts ask with
    /// their provider's clock (``CredentialProvider/currentDate``), so there is one rule and one clock.
    public func isFresh(at date: Date) -> Bool { date < expiresAt }

    /// The headers to put on an inference request under `configuration`: the credential header of its
    /// auth scheme, then the custom headers with the helper's merged over them. A helper or custom
    /// header with the credential header's name is dropped and reported in ``RequestHeaders/warnings``.
    public func requestHeaders(for configuration: HostConfiguration) -> RequestHeaders {
        let scheme = configuration.authScheme
        var merged = configuration.customHeaders.merging(answer.headers)
        var warnings: [String] = []
        if merged.remove(scheme.headerName) != nil {
            let origin = answer.headers[scheme.headerName] != nil ? "the helper's" : "a custom"
            warnings.append(
                "\(origin) header \"\(scheme.headerName)\" is ignored: it is the credential header of the "
                    + "\(scheme.rawValue) auth scheme, which always carries the helper's token")
        }
        var headers = HeaderList()
        headers.set(scheme.headerName, to: scheme.headerValue(for: token))
        return RequestHeaders(headers: headers.merging(merged), warnings: warnings)
    }
}

/// The headers for one inference request, and what was dropped to build them.
public struct RequestHeaders: Sendable, Hashable {
    /// The headers, credential header first.
    public let headers: HeaderList
    /// Headers that were ignored and why.
    public let warnings: [String]
}

extension AuthScheme {
    /// How `field` prints when secrets are hidden: the credential header keeps its scheme word and
    /// shows the token redacted; other sensitive headers (`HeaderRules.isSensitive(_:)`) are redacted whole.
    public func displayValue(of field: HeaderField) -> String {
        if field.name.lowercased() == headerName.lowercased() {
            if self == .bearer, field.value.hasPrefix("Bearer ") {
                return "Bearer " + Secret.redact(String(field.value.dropFirst("Bearer ".count)))
            }
            return Secret.redact(field.value)
        }
        return HeaderRules.isSensitive(field.name) ? Secret.redact(field.value) : field.value
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
