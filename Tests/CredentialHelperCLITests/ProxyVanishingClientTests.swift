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
