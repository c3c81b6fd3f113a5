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

    @Test("control bytes in a request target are escaped in the access log")
    func accessLogEscaped() async throws {
        let proxy = try await ProxyHarness()
        _ = try Self.rawExchange(
            port: proxy.server.port,
            "GET /big?bytes=1&x=\u{1B}]0;owned\u{07}\u{7F} HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n",
            methods: ["GET"])
        try await expectEventually(timeout: .seconds(5), "the request was not logged") {
            proxy.accessLog.all.contains { $0.contains("%1B]0;owned%07%7F") }
        }
        let raw = proxy.accessLog.all.contains { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        #expect(!raw, "a control byte reached the access log: \(proxy.accessLog.all)")
        try await proxy.stop()
    }
}
