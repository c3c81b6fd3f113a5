import Foundation
import TestSupport
import Testing

/// Clients that vanish or stall (docs/proxy.md, "Timeouts and limits"): each releases its socket,
/// its buffers and its upstream connection at once, or after the timeout that applies.
extension ProxyTests {
    @Test("a client that closes its side in the middle of a request body is closed at once (no CLOSE_WAIT)")
    func finMidBody() async throws {
        let proxy = try await ProxyHarness(replayLimit: 1000)
        for (length, variant) in [(500, "buffered"), (100_000, "streamed")] {
            let client = try RawClient(port: proxy.server.port)
            client.send("POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: \(length)\r\n\r\n0123456789")
            client.finishSending()
            #expect(
                client.peerClosed(within: 3), "the \(variant) request's connection stayed open after the client left")
        }
        try await proxy.stop()
    }

    @Test("a connection that never sends a byte, or stays idle after a response, is closed after the idle timeout")
    func idleConnections() async throws {
        let proxy = try await ProxyHarness { $0.idleTimeout = .seconds(1) }
        let silent = try RawClient(port: proxy.server.port)
        #expect(silent.peerClosed(within: 4), "a connection that never sent a byte was kept")
        let kept = try RawClient(port: proxy.server.port)
        kept.send("GET /_credhelper/health HTTP/1.1\r\nHost: p\r\n\r\n")
        #expect(kept.peerClosed(within: 4), "an idle keep-alive connection was kept")
        try await proxy.stop()
    }

    @Test("a request body that stops arriving gets a 408 after the body timeout, and the connection closes")
    func stalledBody() async throws {
        let proxy = try await ProxyHarness { $0.bodyTimeout = .seconds(1) }
        let client = try RawClient(port: proxy.server.port, timeout: 5)
        client.send("POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 100\r\n\r\n0123456789")
        let started = ContinuousClock.now
        let text = client.readToEnd()
        #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
        #expect(text.contains("stopped arriving for 1 s"), "\(text)")
        #expect(ContinuousClock.now - started < .seconds(4))
        try await proxy.stop()
    }

    @Test("a helper run still going when the proxy stops ends before its event loops do")
    func stopDuringHelperRun() async throws {
        // Completing the run's future on a stopped event loop is an error SwiftNIO will make a crash.
        let scripts = HelperScripts()
        let proxy = try await ProxyHarness(helperPath: scripts.countingHelper(delay: "2"))
        do {  // the client leaves in the middle of a streamed body, while the helper runs for its request
            let client = try RawClient(port: proxy.server.port)
            client.send("POST /v1/messages HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try await Task.sleep(for: .milliseconds(300))
            withExtendedLifetime(client) {}
        }
        try await proxy.stop()
        #expect(scripts.count("runs") == 1, "the proxy stopped before the helper run it started ended")
    }

    @Test("an upstream connection kept for reuse is closed after the upstream idle timeout")
    func idleUpstreamConnections() async throws {
        let upstream = try ScriptedUpstream(["/ok": Self.second])
        let proxy = try await ProxyHarness(upstream: upstream.baseURL) { $0.upstreamIdleTimeout = .seconds(1) }
        let client = try RawClient(port: proxy.server.port)
        client.send("GET /ok HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        #expect(client.readToEnd().hasSuffix("second"))
        #expect(upstream.closedByClient == 0, "the upstream connection was not kept for reuse")
        let deadline = ContinuousClock.now + .seconds(5)
        while upstream.closedByClient == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(upstream.closedByClient == 1, "the idle upstream connection was kept past its timeout")
        try await proxy.stop()
    }

    @Test("past the connection limit a client gets a 503 naming the limit, and the others are served")
    func connectionLimit() async throws {
        let proxy = try await ProxyHarness { $0.maximumConnections = 2 }
        let first = try RawClient(port: proxy.server.port)
        let second = try RawClient(port: proxy.server.port)
        try await Task.sleep(for: .milliseconds(200))
        let third = try RawClient(port: proxy.server.port, timeout: 5)
        let refused = third.readToEnd()
        #expect(refused.hasPrefix("HTTP/1.1 503") && refused.contains("maximum of 2 connections"), "\(refused)")
        first.send("GET /_credhelper/health HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        let served = first.readToEnd()
        #expect(served.hasPrefix("HTTP/1.1 ") && !served.contains("maximum of"), "\(served)")
        withExtendedLifetime(second) {}
        try await proxy.stop()
    }
}
