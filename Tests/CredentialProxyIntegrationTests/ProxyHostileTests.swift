import Foundation
import TestSupport
import Testing

/// The proxy's answers and its access log against a helper that prints secrets on stderr and a
/// client that sends control bytes (docs/security.md).
extension ProxyTests {
    @Test("a helper that fails with a token on stderr: the 503 body and health never show it")
    func helperErrorRedacted() async throws {
        let scripts = HelperScripts()
        for line in ["sk-abcdefghijklmnopqrst", "refused key sk-abcdefghijklmnopqrst for this gateway"] {
            let broken = scripts.script("leaky-\(line.count).sh", "echo '\(line)' >&2; exit 1")
            let proxy = try await ProxyHarness(helperPath: broken)
            let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
            #expect(reply.status == 503)
            let health = try await proxy.send(.GET, "/_credhelper/health")
            let leaked = reply.body.contains("abcdefghijklmnopqrst") || health.body.contains("abcdefghijklmnopqrst")
            #expect(!leaked, "the helper's token-shaped stderr reached a response")
            try await proxy.stop()
        }
    }

    @Test("non-ASCII bytes in a request target (an 8-bit CSI among them) are escaped in the access log")
    func accessLogEscaped() async throws {
        let proxy = try await ProxyHarness()
        // Bytes up to 0x20 and DEL are refused by the request parser; the rest reach the log. 0x9B is
        // the 8-bit form of ESC [, which some terminals obey.
        _ = try Self.rawExchange(
            port: proxy.server.port, "GET /big\u{9B}2J\u{E9}?bytes=1 HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n",
            methods: ["GET"])
        try await expectEventually(timeout: .seconds(5), "the request was not logged: \(proxy.accessLog.all)") {
            proxy.accessLog.all.contains { $0.contains("/big%9B2J%E9") }
        }
        let raw = proxy.accessLog.all.contains {
            $0.unicodeScalars.contains { $0.value < 0x20 || $0.value >= 0x7F }
        }
        #expect(!raw, "a control or non-ASCII byte reached the access log: \(proxy.accessLog.all)")
        try await proxy.stop()
    }
}
