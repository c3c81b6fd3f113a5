import CredentialHelperHost
import CredentialHelperProtocol
import CredentialProxy
import Foundation
import TestSupport
import Testing

/// A hostile or broken upstream, and clients that try to speak for the helper (docs/security.md):
/// every message framed exactly once, and one value — the helper's — for each of its headers.
extension ProxyTests {
    static let second = ScriptedUpstream.Answer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")

    /// Two requests on one client connection through the proxy; returns the bytes the client read.
    func twoRequests(_ first: ScriptedUpstream.Answer) async throws -> (text: String, upstream: ScriptedUpstream) {
        let upstream = try ScriptedUpstream(["/first": first, "/second": Self.second])
        let proxy = try await ProxyHarness(upstream: upstream.baseURL)
        let client = try RawClient(port: proxy.server.port)
        client.send(
            "GET /first HTTP/1.1\r\nHost: p\r\n\r\nGET /second HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        let text = client.readToEnd()
        try await proxy.stop()
        return (text, upstream)
    }

    @Test("a response with both Transfer-Encoding and Content-Length is refused (502); the next request is served")
    func transferEncodingAndLength() async throws {
        let (text, _) = try await twoRequests(
            ScriptedUpstream.Answer(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
        #expect(text.hasPrefix("HTTP/1.1 502"), "\(text)")
        #expect(text.contains("both Transfer-Encoding and Content-Length"), "\(text)")
        #expect(!text.lowercased().contains("content-length: 100") && !text.contains("hello"), "\(text)")
        #expect(text.hasSuffix("second"), "the second response did not arrive intact: \(text)")
    }

    @Test("Connection: content-length cannot take away a response's framing")
    func connectionNamesContentLength() async throws {
        let (text, _) = try await twoRequests(
            ScriptedUpstream.Answer("HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(text.lowercased().contains("content-length: 5\r\n"), "\(text)")
        #expect(text.hasSuffix("second"), "\(text)")
    }

    @Test("two Content-Length lines, even equal, make the response malformed (a 502), as llhttp does")
    func duplicateContentLength() async throws {
        let (text, _) = try await twoRequests(
            ScriptedUpstream.Answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(text.hasPrefix("HTTP/1.1 502"), "\(text)")
        #expect(text.contains("more than one"), "\(text)")
        #expect(!text.contains("hello"), "\(text)")
    }

    @Test("a client's header with the name of a helper or custom header is dropped: the upstream gets one value")
    func helperHeadersWin() async throws {
        let upstream = try ScriptedUpstream(["/h": Self.second])
        let proxy = try await ProxyHarness(upstream: upstream.baseURL)
        let client = try RawClient(port: proxy.server.port)
        client.send(
            "GET /h HTTP/1.1\r\nHost: p\r\nX-Org: client-org\r\nx-team: client-team\r\nX-Other: kept\r\n"
                + "Connection: close\r\n\r\n")
        _ = client.readToEnd()
        let head = try #require(upstream.requestHeads.first).lowercased()
        #expect(head.components(separatedBy: "\r\nx-org:").count == 2, "\(head)")
        #expect(head.components(separatedBy: "\r\nx-team:").count == 2, "\(head)")
        #expect(head.contains("x-org: acme") && head.contains("x-team: research"), "\(head)")
        #expect(!head.contains("client-org") && !head.contains("client-team") && head.contains("x-other: kept"))
        try await proxy.stop()
    }

    @Test("health details need the client key when one is configured; without it, only liveness")
    func healthNeedsTheKey() async throws {
        let proxy = try await ProxyHarness { $0.clientKey = Secret("client-key-0123456789") }
        let anonymous = try await proxy.send(.GET, "/_credhelper/health")
        #expect(anonymous.status == 200 && anonymous.body.contains("\"alive\""), "\(anonymous.body)")
        #expect(!anonymous.body.contains("upstream") && !anonymous.body.contains("helper"), "\(anonymous.body)")
        let keyed = try await proxy.send(
            .GET, "/_credhelper/health", headers: [("x-api-key", "client-key-0123456789")])
        #expect(keyed.body.contains("\"upstream\""), "\(keyed.body)")
        try await proxy.stop()
    }

    @Test(
        "--upstream with a space, CR or LF, or an invalid host, is a configuration error",
        arguments: [
            "http://127.0.0.1:9/v1\r\nX-Injected: 1", "http://127.0.0.1:9/a b", "http://bad host/", "http://a\u{1B}b/",
            "http://[::1/", "http://[not-v6]/", "http://[::1]x/", "http://host/x\u{7F}",
        ])
    func upstreamValidated(upstream: String) {
        let configuration = ProxyConfiguration(upstream: upstream, listenPort: 0)
        do {
            try configuration.validate()
            Issue.record("accepted \(upstream.debugDescription)")
        } catch {
            #expect(!error.description.contains("\r") && !error.description.contains("\n"))
            #expect(!error.description.contains("\u{1B}"))
        }
    }

    @Test(
        "--listen on a name that only looks like loopback needs --allow-remote",
        arguments: ["127.evil.example", "127.0.0.1.nip.example", "localhost.example"])
    func listenLookalike(host: String) {
        let configuration = ProxyConfiguration(
            upstream: "http://127.0.0.1:9", listenHost: host,
            listenPort: 0)
        #expect(throws: ProxyConfigurationError.self) { try configuration.validate() }
    }
}
