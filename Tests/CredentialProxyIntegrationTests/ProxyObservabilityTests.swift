import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// What an operator sees of the proxy (issue 25, "a proxy you can watch"): the access log says when
/// a rejection was answered with a refresh and a replay, and `/health` dates are ISO 8601.
@Suite("credhelper proxy, observed", .serialized, .timeLimit(.minutes(3)))
struct ProxyObservabilityTests {
    @Test("a 401 answered with a refresh and a replay: the access line says rejected=401 refreshed replayed")
    func accessLogSaysRefreshAndReplay() async throws {
        let proxy = try await ProxyHarness()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        try await proxy.revokeTokens()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        try await expectEventually(timeout: .seconds(5), "two lines: \(proxy.accessLog.all)") {
            proxy.accessLog.all.count >= 2
        }
        let lines = proxy.accessLog.all.filter { $0.hasPrefix("POST /v1/messages ") }
        #expect(lines.count == 2, "\(proxy.accessLog.all)")
        #expect(lines.first?.hasPrefix("POST /v1/messages 200 ") == true, "\(lines)")
        #expect(lines.first?.contains("rejected=") == false, "a plain request has no rejection field: \(lines)")
        let replayed = try #require(lines.dropFirst().first)
        #expect(replayed.hasPrefix("POST /v1/messages 200 "), "\(replayed)")
        #expect(replayed.hasSuffix(" rejected=401 refreshed replayed"), "\(replayed)")
        try await proxy.stop()
    }

    @Test("a 403: the upstream's refusal is logged with its status and first bytes, the token redacted")
    func refusalIsLoggedRedacted() async throws {
        let token = "tok-static-0123456789abcdefXYZ"
        let json =
            #"{"type":"error","error":{"type":"permission_error","message":"model not allowed for "#
            + token + #""}}"#
        let upstream = try ScriptedUpstream([
            "/v1/messages": ScriptedUpstream.Answer(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
                    + json)
        ])
        let helper = HelperScripts()
        let proxy = try await ProxyHarness(
            helperPath: helper.script("static.sh", "echo \(token)"), upstream: upstream.baseURL)
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 403, "\(reply.body)")
        try await expectEventually(timeout: .seconds(5), "no request line: \(proxy.accessLog.all)") {
            proxy.accessLog.all.contains { $0.hasPrefix("POST /v1/messages 403 ") }
        }
        let lines = proxy.accessLog.all
        let leaked = lines.contains { $0.contains(token) }
        #expect(!leaked, "the token reached the access log")
        let refusal = try #require(lines.first { $0.hasPrefix("upstream refused POST /v1/messages with 403: ") })
        #expect(refusal.contains(#""type":"permission_error""#), "\(refusal)")
        #expect(refusal.contains("model not allowed for"), "\(refusal)")
        let request = try #require(lines.first { $0.hasPrefix("POST /v1/messages 403 ") })
        #expect(request.contains(" rejected=403"), "\(request)")
        try await proxy.stop()
    }

    @Test("a 401 whose JSON body quotes the token with '/' escaped as '\\/' (PHP, some Java encoders): still redacted")
    func refusalWithEscapedTokenIsRedacted() async throws {
        let pieces = ["Qx7Lm2Pz9K", "Rt4Wv8YbN", "c3Jd6Fh1S", "o5Ue0Ga"]
        let token = pieces.joined(separator: "/")
        let json =
            #"{"error":{"type":"authentication_error","message":"invalid x-api-key: "#
            + pieces.joined(separator: "\\/") + #""}}"#
        let upstream = try ScriptedUpstream([
            "/v1/messages": ScriptedUpstream.Answer(
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
                    + json)
        ])
        let helper = HelperScripts()
        let proxy = try await ProxyHarness(
            helperPath: helper.script("static.sh", "echo '\(token)'"), upstream: upstream.baseURL)
        let reply = try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message)
        #expect(reply.status == 401, "\(reply.body)")
        try await expectEventually(timeout: .seconds(5), "no refusal line: \(proxy.accessLog.all)") {
            proxy.accessLog.all.contains { $0.hasPrefix("upstream refused POST /v1/messages with 401: ") }
        }
        let leaked = proxy.accessLog.all.contains { line in pieces.prefix(3).contains { line.contains($0) } }
        #expect(!leaked, "a part of the token reached the access log")
        try await proxy.stop()
    }

    @Test("/health gives obtainedAt (and expiresAt) as ISO 8601 dates, as credhelper get prints them")
    func healthDatesAreISO8601() async throws {
        let proxy = try await ProxyHarness()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 200)
        let health = try await proxy.send(.GET, "/_credhelper/health")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        let credential = try #require(object["credential"] as? [String: Any], "\(health.body)")
        let obtained = try #require(credential["obtainedAt"] as? String, "not a string: \(health.body)")
        let expires = try #require(credential["expiresAt"] as? String, "no expiresAt: \(health.body)")
        let obtainedDate = try #require(try? Date(obtained, strategy: .iso8601), "\(obtained)")
        let expiresDate = try #require(try? Date(expires, strategy: .iso8601), "\(expires)")
        #expect(abs(obtainedDate.timeIntervalSinceNow) < 120, "\(obtained)")
        #expect(expiresDate > obtainedDate, "\(health.body)")
        #expect(credential["ttlRemainingSec"] is Int, "\(health.body)")
        try await proxy.stop()
    }

    @Test("/_credhelper/metrics, behind the client key, parses with prometheus_client and counts what happened")
    func metricsScrapedAndParsed() async throws {
        let key = "client-key-0123456789"
        let proxy = try await ProxyHarness {
            $0.clientKey = Secret(key)
            $0.metrics = true
        }
        let keyed = [("x-api-key", key)]
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message, headers: keyed).status == 200)
        try await proxy.revokeTokens()
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message, headers: keyed).status == 200)
        #expect(try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message).status == 401)
        let anonymous = try await proxy.send(.GET, "/_credhelper/metrics")
        #expect(anonymous.status == 401, "metrics without the client key: \(anonymous.status)")
        let scrape = try await proxy.send(.GET, "/_credhelper/metrics", headers: keyed)
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"].first?.hasPrefix("text/plain; version=0.0.4") == true)
        let parsed = try await Self.parse(scrape.body)
        let families = try #require(parsed["families"] as? [String: String], "\(parsed)")
        #expect(families["credhelper_proxy_requests"] == "counter", "\(families)")
        #expect(families["credhelper_proxy_request_duration_seconds"] == "histogram", "\(families)")
        let samples = try #require(parsed["samples"] as? [[Any]])
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { ($0[0] as? String) == name && ($0[1] as? [String: String]) == labels }?[2] as? Double
        }
        #expect(value("credhelper_proxy_requests_total", ["status": "200"]) == 2, "\(scrape.body)")
        // The POST without the key, and the scrape without it.
        #expect(value("credhelper_proxy_requests_total", ["status": "401"]) == 2, "\(scrape.body)")
        #expect(value("credhelper_proxy_upstream_refusals_total", ["status": "401"]) == 1, "\(scrape.body)")
        #expect(value("credhelper_proxy_rejections_total", ["outcome": "refreshed"]) == 1, "\(scrape.body)")
        #expect(
            value("credhelper_proxy_helper_runs_total", ["context": "mid-session-refresh", "outcome": "ok"]) == 1,
            "\(scrape.body)")
        #expect(value("credhelper_proxy_request_duration_seconds_count", [:]) == 4, "\(scrape.body)")
        let leaked = scrape.body.contains("eyJ") || scrape.body.contains(key)
        #expect(!leaked, "a token or the client key is in the metrics")
        try await proxy.stop()
    }

    @Test("helper runs are counted once per run, however many requests waited for it, failures too")
    func helperRunsCountedPerRun() async throws {
        let key = "client-key-0123456789"
        let scripts = HelperScripts()
        let failing = scripts.script("slow-failure.sh", "sleep 1; echo 'the company CLI is not signed in' >&2; exit 1")
        let proxy = try await ProxyHarness(helperPath: failing) {
            $0.clientKey = Secret(key)
            $0.metrics = true
        }
        let keyed = [("x-api-key", key)]
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await proxy.send(.POST, "/v1/messages", body: ProxyHarness.message, headers: keyed).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 503 }, "\(statuses)")
        let scrape = try await proxy.send(.GET, "/_credhelper/metrics", headers: keyed)
        let parsed = try await Self.parse(scrape.body)
        let samples = try #require(parsed["samples"] as? [[Any]])
        let failedRuns = samples.filter {
            ($0[0] as? String) == "credhelper_proxy_helper_runs_total"
                && ($0[1] as? [String: String])?["outcome"] != "ok"
        }.compactMap { $0[2] as? Double }.reduce(0, +)
        #expect(failedRuns == 1, "5 requests shared one failed helper run: \(scrape.body)")
        try await proxy.stop()
    }

    /// `exposition` parsed by Tests/Fixtures/gateway/parse_metrics.py (prometheus_client's parser).
    static func parse(_ exposition: String) async throws -> [String: Any] {
        let script = IdentityProvider.fixtureScript.replacingOccurrences(
            of: "/glewlwyd/idp.py", with: "/gateway/parse_metrics.py")
        let result = try await ProgramRun.run("/usr/bin/env", ["python3", script], input: exposition)
        #expect(result.status == 0, "prometheus_client could not parse: \(exposition)\n\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }
}
