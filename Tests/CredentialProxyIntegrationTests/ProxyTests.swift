import AsyncHTTPClient
import CredentialHelperHost
import CredentialProxy
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `credhelper proxy` against real components: the ready-made helper getting real tokens from
/// glewlwyd, a gateway that verifies them as JWTs, and real HTTP clients.
@Suite("credhelper proxy", .serialized, .timeLimit(.minutes(3)))
struct ProxyTests {
    @Test("401 → one helper run → the request is replayed, with the same body, and succeeds")
    func replayAfterRejection() async throws {
        let proxy = try await ProxyHarness()
        let first = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(first.status == 200, "\(first.body)")
        let grants = try await proxy.grants()
        try await proxy.revokeTokens()
        let body = #"{"model":"claude-test","max_tokens":8,"messages":[{"role":"user","content":"replay me"}]}"#
        let replayed = try await proxy.send(.POST, "/v1/messages", body: body)
        #expect(replayed.status == 200, "\(replayed.body)")
        #expect(try await proxy.grants() == grants + 1)
        let stats = try await proxy.stats()
        #expect(stats["lastBody"] as? String == body)
        #expect(stats["unauthorized"] as? Int == 1)
        let headers = try #require(stats["lastHeaders"] as? [String: String])
        #expect(headers["x-org"] == "acme" && headers["x-team"] == "research")
        try await proxy.stop()
    }

    @Test("100 concurrent requests during a rejection cause one helper run")
    func concurrentRejections() async throws {
        let proxy = try await ProxyHarness()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        let grants = try await proxy.grants()
        try await proxy.revokeTokens()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask { try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses) { $0 }.mapValues(\.count))")
        #expect(try await proxy.grants() == grants + 1, "the helper ran more than once")
        try await proxy.stop()
    }

    @Test("the client's own Authorization and x-api-key never reach the upstream")
    func clientCredentialsReplaced() async throws {
        let proxy = try await ProxyHarness()
        let reply = try await proxy.send(
            .POST, "/v1/messages", body: ProxyHarness.message,
            headers: [
                ("Authorization", "Bearer client-bogus"), ("x-api-key", "client-bogus"), ("Connection", "x-hop"),
                ("X-Hop", "1"),
            ])
        #expect(reply.status == 200, "\(reply.body)")
        let headers = try #require(try await proxy.stats()["lastHeaders"] as? [String: String])
        #expect(headers["x-api-key"] == nil && headers["x-hop"] == nil)
        #expect(headers["authorization"] == "present")
        try await proxy.stop()
    }

    @Test("Server-Sent Events reach the client event by event")
    func streamingIsNotBuffered() async throws {
        let proxy = try await ProxyHarness()
        var request = HTTPClientRequest(url: proxy.baseURL + "/v1/messages")
        request.method = .POST
        request.body = .bytes(
            ByteBuffer(string: ProxyHarness.message.replacingOccurrences(of: "{", with: #"{"stream":true,"#)))
        let response = try await proxy.client.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "content-type") == "text/event-stream")
        var arrivals: [(ContinuousClock.Instant, String)] = []
        for try await chunk in response.body { arrivals.append((.now, String(buffer: chunk))) }
        let text = arrivals.map(\.1).joined()
        #expect(text.contains("event: message_start") && text.contains("event: message_stop"))
        let firstEvent = try #require(arrivals.first { $0.1.contains("message_start") }?.0)
        let lastEvent = try #require(arrivals.last { $0.1.contains("message_stop") }?.0)
        // The gateway sends the 8 events 100 ms apart: buffering would deliver them together.
        #expect(lastEvent - firstEvent > .milliseconds(500), "the events arrived together: the stream was buffered")
        try await proxy.stop()
    }

    @Test("the anthropic Python SDK makes a normal and a streaming Messages call through the proxy")
    func anthropicSDK() async throws {
        let proxy = try await ProxyHarness()
        let result = try await ProxyTests.runSDK(baseURL: proxy.baseURL, stream: true)
        #expect(result.contains("create: Hello from the gateway"), "\(result)")
        #expect(result.contains("stream: Hello from the gateway"), "\(result)")
        #expect(proxy.accessLog.all.contains { $0.hasPrefix("POST /v1/messages 200 ") })
        try await proxy.stop()
    }

    @Test("upstream down: 502 with an Anthropic-shaped error")
    func upstreamDown() async throws {
        let closed = try LoopbackPort.unused()
        let proxy = try await ProxyHarness(upstream: "http://127.0.0.1:\(closed)")
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 502)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        let error = try #require(object["error"] as? [String: String])
        #expect(object["type"] as? String == "error" && error["type"] == "api_error")
        #expect(error["message"]?.contains("connection refused") == true, "\(reply.body)")
        try await proxy.stop()
    }

    @Test("a failing helper: 503 with the helper's error, and health reports it")
    func helperFails() async throws {
        let scripts = HelperScripts()
        let broken = scripts.script("broken.sh", "echo 'sign-in required: run credhelper login' >&2; exit 1")
        let proxy = try await ProxyHarness(helperPath: broken)
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 503)
        #expect(reply.body.contains("\"type\":\"error\"") && reply.body.contains("sign-in required"), "\(reply.body)")
        let health = try await proxy.send(.GET, "/_credhelper/health")
        #expect(health.status == 503 && health.body.contains("\"status\":\"degraded\""))
        try await proxy.stop()
    }

    @Test("silent refresh disabled: the 401 comes back with an error naming the fix")
    func silentRefreshDisabled() async throws {
        let proxy = try await ProxyHarness(silentRefresh: false)
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        let grants = try await proxy.grants()
        try await proxy.revokeTokens()
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 401)
        #expect(reply.body.contains("silent refresh is disabled") && reply.body.contains("restart"), "\(reply.body)")
        #expect(try await proxy.grants() == grants)
        try await proxy.stop()
    }

    @Test("a body too large to keep is streamed once and its 401 returned, not replayed")
    func largeBodyNotReplayed() async throws {
        let proxy = try await ProxyHarness(replayLimit: 16)
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        try await proxy.revokeTokens()
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 401 && reply.body.contains("authentication_error"))
        // The rejection still refreshed the credential for the next request.
        try await expectEventually {
            try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200
        }
        try await proxy.stop()
    }

    @Test("a client that disconnects mid-stream cancels the upstream request")
    func clientDisconnectCancelsUpstream() async throws {
        let proxy = try await ProxyHarness()
        let request = HTTPClientRequest(url: proxy.baseURL + "/endless")
        let response = try await proxy.client.execute(request, timeout: .seconds(30))
        var received = 0
        for try await chunk in response.body {
            received += chunk.readableBytes
            if received > 50 { break }  // leaving the loop drops the body: the connection closes
        }
        try await expectEventually(timeout: .seconds(5)) { (try await proxy.stats()["disconnects"] as? Int ?? 0) >= 1 }
        try await proxy.stop()
    }

    @Test("health reports the credential without revealing it")
    func health() async throws {
        let proxy = try await ProxyHarness()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        let health = try await proxy.send(.GET, "/_credhelper/health")
        #expect(health.status == 200 && health.body.contains("\"status\":\"ok\""), "\(health.body)")
        #expect(health.body.contains("ttlRemainingSec") && !health.body.contains("eyJ"))
        try await proxy.stop()
    }

    /// Runs Tests/Fixtures/gateway/sdk_client.py (the anthropic SDK) against `baseURL`.
    static func runSDK(baseURL: String, stream: Bool, apiKey: String = "unused-by-the-proxy") async throws -> String {
        let script = IdentityProvider.fixtureScript.replacingOccurrences(
            of: "/glewlwyd/idp.py", with: "/gateway/sdk_client.py")
        let result = try await ProgramRun.run(
            "/usr/bin/env", ["python3", script, baseURL, stream ? "stream" : "create", apiKey])
        return result.stdout + result.stderr + "(exit \(result.status))"
    }
}
