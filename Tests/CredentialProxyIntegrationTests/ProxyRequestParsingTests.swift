import Foundation
import TestSupport
import Testing

/// How the proxy reads its clients' requests (it parses them itself): framing that could smuggle
/// a second request past it is refused before anything reaches the upstream, and the forms RFC
/// 9112 says a server must accept are. Checked on raw sockets.
extension ProxyTests {
    /// A request the proxy must refuse, the status it answers with, and words its error names.
    struct Refused: CustomTestStringConvertible, Sendable {
        let name: String
        let request: String
        let status: Int
        let names: String
        var testDescription: String { name }
    }

    /// Each is followed on its connection by a request that must never be answered: a smuggled one
    /// if the proxy framed the first request differently from what it refused.
    static let refused: [Refused] = [
        Refused(
            name: "Content-Length and Transfer-Encoding",
            request:
                "POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            status: 400, names: "both Content-Length and Transfer-Encoding"),
        Refused(
            name: "two Content-Lengths that disagree",
            request: "POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
            status: 400, names: "more than one Content-Length header"),
        Refused(
            name: "a Content-Length with a sign",
            request: "POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: +5\r\n\r\n",
            status: 400, names: "Content-Length that is not a number"),
        Refused(
            name: "a coding other than chunked",
            request: "POST /echo HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            status: 501, names: "transfer coding other than chunked (gzip, chunked)"),
        Refused(
            name: "codings that do not end in chunked",
            request: "POST /echo HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            status: 400, names: "does not end in chunked"),
        Refused(
            name: "Transfer-Encoding in HTTP/1.0",
            request: "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            status: 400, names: "Transfer-Encoding in an HTTP/1.0 request"),
        Refused(
            name: "a folded header line",
            request: "GET /big?bytes=1 HTTP/1.1\r\nHost: p\r\nX-A: 1\r\n Content-Length: 5\r\n\r\n",
            status: 400, names: "header line without a valid name"),
        Refused(
            name: "a space before the colon",
            request: "POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length : 5\r\n\r\n",
            status: 400, names: "header line without a valid name"),
        Refused(
            name: "a line without a colon",
            request: "GET /big?bytes=1 HTTP/1.1\r\nHost: p\r\nTransfer-Encoding\r\n\r\n",
            status: 400, names: "header line without a valid name"),
        Refused(
            name: "a bare LF inside the head",
            request: "GET /big?bytes=1 HTTP/1.1\r\nHost: p\nContent-Length: 5\r\n\r\n",
            status: 400, names: "ended by a bare LF instead of CRLF"),
        Refused(
            name: "HTTP/1.1 without Host", request: "GET /big?bytes=1 HTTP/1.1\r\n\r\n",
            status: 400, names: "without a Host header"),
        Refused(
            name: "two Host headers", request: "GET /big?bytes=1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            status: 400, names: "more than one Host header"),
        Refused(
            name: "HTTP/2 prior knowledge", request: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            status: 505, names: "HTTP version other than 1.0 and 1.1"),
        Refused(
            name: "a target that is not a path", request: "OPTIONS * HTTP/1.1\r\nHost: p\r\n\r\n",
            status: 400, names: "neither a path nor an http(s) URL"),
        Refused(
            name: "CONNECT (the proxy used as HTTPS_PROXY)",
            request: "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n",
            status: 405, names: "not a forward proxy"),
        Refused(
            name: "a head longer than 80 KiB",
            request: "GET /big?bytes=1 HTTP/1.1\r\nHost: p\r\nX-Big: \(String(repeating: "a", count: 90_000))\r\n\r\n",
            status: 431, names: "longer than 80 KiB"),
    ]

    @Test(
        "requests whose framing is ambiguous or malformed are refused, and nothing reaches the upstream",
        arguments: refused)
    func refusedRequests(_ refused: Refused) async throws {
        let proxy = try await ProxyHarness()
        let before = try await proxy.stats()["requests"] as? Int
        let smuggled = "GET /big?bytes=7 HTTP/1.1\r\nHost: p\r\n\r\n"
        let exchange = try Self.rawExchange(
            port: proxy.server.port, refused.request + smuggled, methods: ["GET"])
        let response = try #require(exchange.responses.first)
        #expect(response.status == refused.status, "\(response.body)")
        #expect(response.headers["connection"] == "close")
        let error = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let detail = error?["error"] as? [String: Any]
        #expect(detail?["type"] as? String == "invalid_request_error")
        #expect((detail?["message"] as? String)?.contains(refused.names) == true, "\(response.body)")
        #expect(exchange.rest.isEmpty, "the request after the refused one was answered: \(exchange.rest.prefix(200))")
        #expect(try await proxy.stats()["requests"] as? Int == before, "a refused request reached the upstream")
        try await proxy.stop()
    }

    @Test("an invalid chunk size in a request body already forwarded closes the connection without a response")
    func invalidChunkSize() async throws {
        let proxy = try await ProxyHarness()
        let exchange = try Self.rawExchange(
            port: proxy.server.port,
            "POST /echo HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", methods: [])
        #expect(exchange.rest.isEmpty, "the proxy answered a request whose body it could not read: \(exchange.rest)")
        try await proxy.stop()
    }

    @Test("a client that stalls in the middle of a request head gets a 408, and the connection closes")
    func stalledHead() async throws {
        let proxy = try await ProxyHarness { $0.requestHeadTimeout = .seconds(1) }
        let started = ContinuousClock.now
        let exchange = try Self.rawExchange(
            port: proxy.server.port, "GET /big?bytes=1 HTTP/1.1\r\nHost: p\r\nX-Slow: ", methods: ["GET"])
        let response = try #require(exchange.responses.first)
        #expect(response.status == 408, "\(response.body)")
        #expect(response.body.contains("did not arrive within 1 s"), "\(response.body)")
        #expect(ContinuousClock.now - started < .seconds(10))
        try await proxy.stop()
    }

    @Test("an absolute-form target, empty lines before a request, chunk extensions and trailers are accepted")
    func acceptedForms() async throws {
        let proxy = try await ProxyHarness()
        let requests =
            "\r\nGET http://api.example.com/big?bytes=3 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
            + "GET http://api.example.com?x=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nhost: p\r\ntransfer-encoding: Chunked\r\n\r\n"
            + "3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: dropped\r\n\r\n"
            + "GET /_credhelper/health?verbose=1 HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n"
        let exchange = try Self.rawExchange(
            port: proxy.server.port, requests, methods: ["GET", "GET", "POST", "GET"])
        let responses = exchange.responses
        try #require(responses.count == 4)
        #expect(responses[0].status == 200 && responses[0].body == "xxx", "\(responses[0].body)")
        // The gateway has no route at "/?x=1": its 404 names the path the proxy sent.
        #expect(responses[1].status == 404 && responses[1].body.contains("\"/?x=1\""), "\(responses[1].body)")
        #expect(responses[2].body == "abcde", "\(responses[2].body)")
        #expect(responses[3].status == 200 && responses[3].body.contains("\"upstream\""), "\(responses[3].body)")
        #expect(exchange.rest.isEmpty)
        try await proxy.stop()
    }

    @Test("Expect: 100-continue is answered by the proxy, and the header does not reach the upstream")
    func expectContinue() async throws {
        let proxy = try await ProxyHarness()
        // Waits for the interim response before sending the body, as curl does (for up to 1 s).
        let client = try RawClient(port: proxy.server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = client.read(through: "\r\n\r\n")
        client.send("hello")
        let rest = client.read(through: "hello")
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(rest.hasPrefix("HTTP/1.1 200 OK\r\n") && rest.hasSuffix("\r\n\r\nhello"), "\(rest)")
        let seen = try #require(try await proxy.stats()["lastHeaders"] as? [String: String])
        #expect(seen["expect"] == nil, "Expect reached the upstream")
        try await proxy.stop()
    }
}
