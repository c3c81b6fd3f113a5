import AsyncHTTPClient
import CredentialHelperProtocol
import NIOCore
import NIOHTTP1
import NetworkFailure

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One HTTP exchange with the provider: a deadline on every request, a bounded body, and errors
/// that say which endpoint failed and why — never what was sent.
struct IdPHTTP: Sendable {
    /// The client for a URL (with the profile's trust) and the proxy it goes through, if any.
    let route: @Sendable (String) throws(OAuthError) -> (client: HTTPClient, proxy: IdPConnection.ForwardProxy?)
    let requestTimeout: Duration
    /// Where published documents (discovery, JWKS) are kept between runs; nil: always fetched.
    var documentCache: IdPDocumentCache?
    static let bodyLimit = 1 << 20

    struct Reply {
        let status: Int
        let body: [UInt8]
        let receivedAt: Double
        var cacheControl: String? = nil
        /// The `Location` header (a redirect's target), when there was one.
        var location: String? = nil
    }

    /// A GET of a published document: from ``documentCache`` while fresh (`cached` allows it),
    /// else from the provider, keeping a 200 answer as its `Cache-Control` allows.
    func get(_ url: String, cached: Bool = true, until deadline: ContinuousClock.Instant) async throws(OAuthError)
        -> Reply
    {
        let now = Date().timeIntervalSince1970
        if cached, let body = documentCache?.body(for: url, now: now) {
            return Reply(status: 200, body: body, receivedAt: now)
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let reply = try await send(request, until: deadline)
        if reply.status == 200 {
            documentCache?.store(reply.body, for: url, cacheControl: reply.cacheControl, now: reply.receivedAt)
        }
        return reply
    }

    func postForm(
        _ url: String, _ fields: [(String, String)], basicAuth: (String, Secret)? = nil,
        until deadline: ContinuousClock.Instant
    ) async throws(OAuthError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let (user, password) = basicAuth {
            let pair = Self.formEncode(user) + ":" + Self.formEncode(password.reveal())
            request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        }
        let body = fields.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request, until: deadline)
    }

    /// Sends `request`, once more after a short random pause (100–400 ms, so that helpers started
    /// together do not retry together) when it failed on the network and there is time left: any
    /// GET, and a POST only when it never left this machine (a token request that reached the
    /// provider is not repeated, since a rotated refresh token cannot be sent twice).
    func send(_ request: HTTPClientRequest, until deadline: ContinuousClock.Instant) async throws(OAuthError)
        -> Reply
    {
        do {
            return try await sendOnce(request, until: deadline)
        } catch let error where error.code == .unreachable && (request.method == .GET || error.requestNotSent) {
            let pause = Duration.milliseconds(Int.random(in: 100...400))
            guard deadline - ContinuousClock.now > pause + .milliseconds(500) else { throw error }
            try? await Task.sleep(for: pause)
            return try await sendOnce(request, until: deadline)
        }
    }

    private func sendOnce(_ request: HTTPClientRequest, until deadline: ContinuousClock.Instant)
        async throws(OAuthError) -> Reply
    {
        let remaining = min(requestTimeout, deadline - ContinuousClock.now)
        let endpoint = Self.endpointName(request.url)
        guard remaining > .milliseconds(10) else {
            throw OAuthError(.timedOut, "no time was left to call \(endpoint) before the deadline")
        }
        let milliseconds =
            remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        let (client, proxy) = try route(request.url)
        do {
            let response = try await client.execute(request, timeout: .milliseconds(milliseconds))
            let body = try await response.body.collect(upTo: Self.bodyLimit)
            let cacheControl = response.headers["Cache-Control"]
            return Reply(
                status: Int(response.status.code), body: Array(body.readableBytesView),
                receivedAt: Date().timeIntervalSince1970,
                cacheControl: cacheControl.isEmpty ? nil : cacheControl.joined(separator: ", "),
                location: response.headers.first(name: "Location"))
        } catch {
            if let proxied = proxy?.failure(error, endpoint: endpoint, target: Self.target(request.url)) {
                throw proxied
            }
            throw Self.failure(error, endpoint: endpoint, remaining: remaining)
        }
    }

    /// The error for a request to `endpoint` that failed with `error`, reached directly.
    private static func failure(_ error: any Error, endpoint: String, remaining: Duration) -> OAuthError {
        switch error {
        case let error as HTTPClientError
        where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            return OAuthError(.timedOut, "\(endpoint) did not answer within \(Self.seconds(remaining))")
        case is NIOTooManyBytesError:
            return OAuthError(.malformedResponse, "\(endpoint) sent a body larger than \(Self.bodyLimit) bytes")
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return OAuthError(
                .unreachable, "\(endpoint): \(NetworkFailure.closedEarly.reason(caOption: Self.caOption))")
        default:
            let failure = NetworkFailure(error)
            var unreachable = OAuthError(.unreachable, "\(endpoint): \(failure.reason(caOption: Self.caOption))")
            unreachable.requestNotSent = failure == .refused || failure == .unresolvable
            return unreachable
        }
    }

    /// `host:port` of `url` (IPv6 in brackets), as a `CONNECT` names it.
    static func target(_ url: String) -> String {
        let split = SplitURL(url)
        return (split.host.contains(":") ? "[\(split.host)]" : String(split.host)) + ":\(split.port)"
    }

    /// `application/x-www-form-urlencoded` escaping: everything but unreserved characters.
    static func formEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (byte < 16 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// The URL without its query (which may carry codes).
    static func endpointName(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }

    static func seconds(_ duration: Duration) -> String {
        let tenths = duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// What adds a company CA for the identity provider's certificate, in the advice for an untrusted one.
    static let caOption = "\"caFile\" in the profile, or SSL_CERT_FILE"
}
