import Foundation
import TestSupport
import Testing

/// How the proxy frames the messages it writes (it encodes requests and responses itself): bodies
/// that must not be sent, chunked bodies both ways, an HTTP/1.0 client, and bytes that are not
/// HTTP. Checked on raw sockets with an independent parser (llhttp, `RawExchange.swift`), byte for byte.
extension ProxyTests {
    @Test("HEAD, 204, a chunked response and a chunked request body keep one connection in step")
    func framingOnOneConnection() async throws {
        let proxy = try await ProxyHarness()
        let requests =
            "HEAD /big?bytes=5 HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "GET /status/204 HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "GET /chunked?parts=3 HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: proxy\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
            + "GET /big?bytes=3 HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n"
        let exchange = try Self.rawExchange(
            port: proxy.server.port, requests, methods: ["HEAD", "GET", "GET", "POST", "GET"])
        let responses = exchange.responses
        try #require(responses.count == 5)

        #expect(responses[0].status == 200 && responses[0].headers["content-length"] == "5")
        #expect(responses[0].body.isEmpty)
        #expect(responses[1].status == 204 && responses[1].body.isEmpty)
        #expect(responses[1].headers["content-length"] == nil && responses[1].headers["transfer-encoding"] == nil)
        #expect(responses[2].headers["transfer-encoding"] == "chunked")
        #expect(responses[2].body == "part0part1part2")
        #expect(responses[3].body == "abcdefg", "the chunked request body did not reach the upstream whole")
        #expect(responses[3].headers["x-request-framing"] == "chunked")
        #expect(responses[4].body == "xxx" && responses[4].headers["connection"] == "close")
        #expect(exchange.rest.isEmpty, "bytes after the last response: \(exchange.rest.prefix(200))")
        try await proxy.stop()
    }

    @Test("an HTTP/1.0 client gets a body of unknown length unchunked, ended by closing the connection")
    func http10Client() async throws {
        let proxy = try await ProxyHarness()
        let exchange = try Self.rawExchange(
            port: proxy.server.port, "GET /chunked?parts=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            methods: ["GET"])
        let response = try #require(exchange.responses.first)
        #expect(response.version == "HTTP/1.0" && response.status == 200)
        #expect(response.headers["transfer-encoding"] == nil)
        #expect(response.headers["connection"] == "close")
        #expect(response.body == "part0part1")
        try await proxy.stop()
    }

    @Test("bytes that are not HTTP (a TLS handshake) get a 400 naming the fix, and the connection closes")
    func notHTTP() async throws {
        let proxy = try await ProxyHarness()
        let clientHello = "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}"
        let exchange = try Self.rawExchange(port: proxy.server.port, clientHello, methods: ["GET"])
        let response = try #require(exchange.responses.first)
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
        let error = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        #expect(error?["type"] as? String == "error")
        let detail = error?["error"] as? [String: Any]
        #expect(detail?["type"] as? String == "invalid_request_error")
        #expect((detail?["message"] as? String)?.contains("http://") == true, "\(response.body)")
        try await proxy.stop()
    }

    @Test(
        "responses servers rarely send are read right or refused: 1xx, chunk extensions, close-delimited, bad framing")
    func unusualUpstreamResponses() async throws {
        let upstream = try await Gateway.startScripted()
        let proxy = try await ProxyHarness(upstream: "http://127.0.0.1:\(upstream)")
        let paths = [
            "/interim", "/chunk-extensions", "/until-close", "/conflicting-length", "/not-http", "/connection-token",
            "/trickle", "/folded-header",
        ]
        let requests =
            paths.map { "GET \($0) HTTP/1.1\r\nHost: proxy\r\n\r\n" }.joined()
            + "GET /custom-reason HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n"
        let exchange = try Self.rawExchange(
            port: proxy.server.port, requests, methods: Array(repeating: "GET", count: paths.count + 1))
        let responses = exchange.responses
        try #require(responses.count == paths.count + 1)

        #expect(responses[0].status == 200 && responses[0].body == "ok", "interim responses were not skipped")
        #expect(responses[1].body == "abcde", "chunk extensions or trailers were misread")
        #expect(responses[2].body == "the rest of the stream")
        #expect(responses[2].headers["transfer-encoding"] == "chunked")
        for (index, name) in [(3, "conflicting length"), (4, "not HTTP"), (7, "folded header")] {
            #expect(responses[index].status == 502, "\(name): \(responses[index].body)")
            #expect(responses[index].body.contains("malformed response"), "\(name): \(responses[index].body)")
        }
        #expect(responses[3].body.contains("Content-Length"))
        #expect(responses[5].headers["x-hop"] == nil, "a header named by Connection was forwarded")
        #expect(responses[5].headers["x-kept"] == "1" && responses[5].body == "k")
        #expect(responses[6].body == "hello world", "a response trickling in byte by byte was misread")
        #expect(responses[8].status == 299 && exchange.raw.contains("HTTP/1.1 299 Fine Thanks\r\n"))
        #expect(exchange.rest.isEmpty, "bytes after the last response: \(exchange.rest.prefix(200))")
        try await proxy.stop()
    }

    @Test("response trailers that trickle in are cut at the trailers time limit, however steady they are")
    func slowTrailers() async throws {
        let upstream = try await Gateway.startScripted()
        let proxy = try await ProxyHarness(upstream: "http://127.0.0.1:\(upstream)") {
            $0.readTimeout = .seconds(5)
            $0.trailersTimeout = .seconds(1)
        }
        let started = ContinuousClock.now
        let reply = try? await proxy.send(.GET, "/slow-trailers")
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(5), "the proxy relayed trailers for \(waited); the upstream sends them for 20 s")
        #expect(reply?.body != "ok" || reply?.status != 200, "a response cut in its trailers was relayed as complete")
        try await proxy.stop()
    }

    @Test("a response whose lines end in a bare LF is a 502 naming it at once, not a wait for the read timeout")
    func bareLineFeedResponse() async throws {
        let upstream = try await Gateway.startScripted()
        let proxy = try await ProxyHarness(upstream: "http://127.0.0.1:\(upstream)") { $0.readTimeout = .seconds(5) }
        let started = ContinuousClock.now
        let reply = try await proxy.send(.GET, "/bare-lf")
        let waited = ContinuousClock.now - started
        #expect(reply.status == 502, "\(reply.body)")
        #expect(reply.body.contains("malformed response") && reply.body.contains("bare LF"), "\(reply.body)")
        #expect(waited < .seconds(3), "the proxy waited \(waited) for the rest of the head")
        try await proxy.stop()
    }
}
