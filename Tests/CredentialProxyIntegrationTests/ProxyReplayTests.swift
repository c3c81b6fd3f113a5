import CredentialProxy
import Foundation
import TestSupport
import Testing

/// What the proxy sends twice, and what makes it run the helper (docs/security.md, "Replays and
/// refreshes in the proxy"): a request the upstream may have processed is never sent again, and
/// rejections cannot make the helper refresh once per request.
extension ProxyTests {
    static let forbidden: ScriptedUpstream.Answer = {
        let json = #"{"type":"error","error":{"type":"permission_error","message":"model not allowed"}}"#
        return ScriptedUpstream.Answer(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
                + json)
    }()

    @Test("30 requests answered 403 run the helper for one mid-session refresh, and each client gets the 403")
    func rejectionsWithinTheRefreshFloor() async throws {
        let scripts = HelperScripts()
        let runs = scripts.path("runs")
        let helper = scripts.script(
            "contexts.sh", "echo \"$CLAUDE_HELPER_CONTEXT\" >> '\(runs)'\necho \"tok-$(wc -l < '\(runs)' | tr -d ' ')\""
        )
        let upstream = try ScriptedUpstream(["/v1/messages": Self.forbidden])
        let proxy = try await ProxyHarness(helperPath: helper, upstream: upstream.baseURL)
        for index in 0..<30 {
            let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
            #expect(reply.status == 403, "request \(index): \(reply.body)")
            #expect(reply.body.contains("model not allowed"), "request \(index): \(reply.body)")
        }
        let contexts = scripts.read("runs").split(separator: "\n")
        #expect(contexts.filter { $0 == "mid-session-refresh" }.count <= 1, "\(contexts)")
        #expect(contexts.count <= 2, "helper runs: \(contexts)")
        #expect(upstream.requests(for: "/v1/messages") <= 31, "only the first request is replayed")
        try await proxy.stop()
    }

    @Test("a POST the upstream read whole on a kept-alive connection, which then closed: sent once, 502")
    func requestNotReplayedAfterTheUpstreamReadIt() async throws {
        let upstream = try ScriptedUpstream([
            "/first": Self.second,
            "/v1/messages": ScriptedUpstream.Answer(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
        ])
        let helper = HelperScripts()
        let proxy = try await ProxyHarness(
            helperPath: helper.script("static.sh", "echo tok-static"),
            upstream: upstream.baseURL
        ) { $0.threads = 1 }
        #expect(try await proxy.send(.GET, "/first").status == 200)
        upstream.cutNext("/v1/messages")  // reads the whole POST, then closes without answering
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(upstream.requests(for: "/v1/messages") == 1, "the upstream received the POST more than once")
        #expect(reply.status == 502, "\(reply.body)")
        #expect(reply.body.hasPrefix(#"{"type":"error","error":{"type":"api_error","message":"#), "\(reply.body)")
        #expect(reply.body.contains("may have been processed"), "\(reply.body)")
        #expect(reply.body.contains("not retried"), "\(reply.body)")
        #expect(reply.headers["x-credhelper-proxy-error"] == ["1"])
        try await proxy.stop()
    }
}
