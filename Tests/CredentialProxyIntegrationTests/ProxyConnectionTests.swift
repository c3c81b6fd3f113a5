import AsyncHTTPClient
import CredentialHelperHost
import CredentialProxy
import Foundation
import NIOCore
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The proxy's connections: an HTTPS upstream with a company CA, pipelined requests, an upstream
/// that never answers, a shutdown with a stream still running, and upstream URLs it must refuse.
extension ProxyTests {
    @Test("an https:// upstream is reached when --upstream-ca-file trusts its CA, and refused otherwise")
    func httpsUpstream() async throws {
        let certificate = try await Gateway.Certificate.make()
        let idp = try await IdentityProvider.shared()
        let tlsGateway = try await Gateway.start(trusting: idp, certificate: certificate)
        let trusted = try await ProxyHarness(upstream: tlsGateway.baseURL) {
            $0.upstreamCAFile = certificate.certificateFile
        }
        let reply = try await trusted.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.body.contains("Hello from the gateway"), "\(reply.body)")
        try await trusted.stop()

        let untrusted = try await ProxyHarness(upstream: tlsGateway.baseURL)
        let refused = try await untrusted.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(refused.status == 502, "\(refused.body)")
        #expect(refused.body.contains("TLS certificate is not trusted"), "\(refused.body)")
        #expect(refused.body.contains("--upstream-ca-file"), "\(refused.body)")
        try await untrusted.stop()
    }

    @Test("pipelined requests on one connection are answered in order")
    func pipelinedRequests() async throws {
        let proxy = try await ProxyHarness()
        let requests =
            "GET /big?bytes=5 HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "GET /_credhelper/health HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "GET /big?bytes=70000 HTTP/1.1\r\nHost: proxy\r\n\r\n"
            + "GET /big?bytes=7 HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n"
        let client = try RawClient(port: proxy.server.port)
        client.send(requests)
        let output = client.readToEnd()
        let statusLines = output.components(separatedBy: "HTTP/1.1 200 OK").count - 1
        #expect(statusLines == 4, "\(output.prefix(600))")
        let health = try #require(output.range(of: "\"status\":\"ok\""))
        let fiveBytes = try #require(output.range(of: "\r\n\r\nxxxxxHTTP/1.1"))
        let sevenBytes = try #require(output.range(of: "\r\n\r\nxxxxxxx", options: .backwards))
        #expect(fiveBytes.lowerBound < health.lowerBound && health.upperBound < sevenBytes.lowerBound)
        #expect(output.count > 70_000 && output.hasSuffix("xxxxxxx"))
        try await proxy.stop()
    }

    @Test("a kept-alive upstream connection closed after the request reached it: not sent again, a 502 says why")
    func staleKeepAliveConnection() async throws {
        let proxy = try await ProxyHarness()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        _ = try await proxy.send(.POST, "/_control/drop-next", body: "{}", to: proxy.gateway.baseURL)
        let body = #"{"model":"claude-test","max_tokens":8,"messages":[{"role":"user","content":"again"}]}"#
        let reply = try await proxy.send(.POST, "/v1/messages", body: body)
        // The gateway read the request line before closing: the proxy cannot tell how much it read.
        #expect(reply.status == 502, "\(reply.body)")
        #expect(reply.body.contains("may have been processed"), "\(reply.body)")
        let stats = try await proxy.stats()
        #expect(stats["dropped"] as? Int == 1, "the gateway did not drop a request on a kept-alive connection")
        #expect(stats["lastBody"] as? String != body, "the dropped request was sent again")
        try await proxy.stop()
    }

    @Test("an upstream that accepts but never answers: 504 after the read timeout")
    func upstreamReadTimeout() async throws {
        let blackHole = try await IdentityProvider.startBlackHole()
        let proxy = try await ProxyHarness(upstream: "http://127.0.0.1:\(blackHole)") { $0.readTimeout = .seconds(1) }
        let started = ContinuousClock.now
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 504, "\(reply.body)")
        #expect(reply.body.contains("did not answer in time"), "\(reply.body)")
        #expect(ContinuousClock.now - started < .seconds(5))
        try await proxy.stop()
    }

    @Test("a stream still running at shutdown is cut once the grace period is over")
    func shutdownCutsLongStreams() async throws {
        let proxy = try await ProxyHarness { $0.shutdownGrace = .seconds(1) }
        let response = try await proxy.client.execute(
            HTTPClientRequest(url: proxy.baseURL + "/endless"), timeout: .seconds(30))
        var iterator = response.body.makeAsyncIterator()
        #expect(try await iterator.next() != nil)
        let started = ContinuousClock.now
        try await proxy.server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5), "shutdown waited for the endless stream")
        // The stream ends (cut), instead of running on.
        var ended = false
        do {
            while try await iterator.next() != nil {}
            ended = true
        } catch {
            ended = true
        }
        #expect(ended)
    }

    @Test("upstream URLs the proxy cannot use, and a thread count of 0, are refused with the reason")
    func invalidUpstreams() throws {
        let host = HostConfiguration(helperPath: "/bin/true")
        let cases = [
            ("ftp://gateway.example.com", "http:// or https://"),
            ("https://user:secret@gateway.example.com", "no user or password"),
            ("http://gateway.example.com:99999", "invalid port"),
            ("https://gateway.example.com/v1?x=1", "query"),
            ("https://", "needs a host"),
        ]
        for (upstream, reason) in cases {
            let error = #expect(throws: ProxyConfigurationError.self) {
                try ProxyConfiguration(upstream: upstream).validate()
            }
            #expect(error?.description.contains(reason) == true, "\(upstream): \(error?.description ?? "")")
            #expect(error?.description.contains("secret") != true)
        }
        #expect(throws: Never.self) {
            try ProxyConfiguration(upstream: "https://[::1]:8443/gateway/").validate()
        }
        var noThreads = ProxyConfiguration(upstream: "https://gateway.example.com")
        noThreads.threads = 0
        let threadsError = #expect(throws: ProxyConfigurationError.self) { try noThreads.validate() }
        #expect(threadsError?.description.contains("--threads 0") == true)
    }
}
