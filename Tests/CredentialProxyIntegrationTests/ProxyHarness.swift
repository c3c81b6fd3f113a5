import AsyncHTTPClient
import CredentialHelperHost
import CredentialProxy
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// A proxy started in-process on a free port, whose helper is the ready-made `credhelper` with a
/// client-credentials profile (real tokens from glewlwyd), forwarding to the JWT-checking gateway.
final class ProxyHarness: Sendable {
    let helper: ReadyHelperHarness
    let gateway: Gateway
    let server: ProxyServer
    let client: HTTPClient
    let accessLog: AccessLogLines

    init(
        silentRefresh: Bool = true, helperPath: String? = nil, upstream: String? = nil, replayLimit: Int = 10 << 20,
        configure: (inout ProxyConfiguration) -> Void = { _ in }
    ) async throws {
        let idp = try await IdentityProvider.shared()
        helper = try await ReadyHelperHarness(extra: [
            "gw": [
                "issuer": idp.info.issuer, "clientId": idp.info.gatewayClient, "grant": "client-credentials",
                "clientSecretFile": idp.info.clientSecretFile, "scopes": ["inference"], "headers": ["X-Org": "acme"],
            ]
        ])
        gateway = try await Gateway.start(trusting: idp)
        let environment = ProcessInfo.processInfo.environment.merging(helper.environment) { $1 }
        let host = HostConfiguration(
            helperPath: helperPath ?? helper.link("gw"), silentRefreshEnabled: silentRefresh,
            customHeaders: ["X-Team": "research"])
        let provider = CredentialProvider(
            configuration: host, runner: HelperRunner(environment: environment), sessionContext: .background)
        let log = AccessLogLines()
        accessLog = log
        var configuration = ProxyConfiguration(
            upstream: upstream ?? gateway.baseURL, listenPort: 0, replayBodyLimit: replayLimit)
        configure(&configuration)
        server = try await ProxyServer.start(configuration, provider: provider, accessLog: { log.append($0) })
        // The shared client needs no shutdown: a test that fails before stop() does not crash the run.
        client = HTTPClient.shared
    }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// Client-credential grants the gateway's client received: one per helper run that refreshed.
    func grants() async throws -> Int {
        try await helper.idp.grantCounts(client: helper.idp.info.gatewayClient)["client_credentials", default: 0]
    }

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
    }

    func send(
        _ method: HTTPMethod = .GET, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        to base: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? baseURL) + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The gateway's counters.
    func stats() async throws -> [String: Any] {
        let reply = try await send(.GET, "/_control/stats", to: gateway.baseURL)
        return try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
    }

    /// Makes the gateway reject every token it has seen.
    func revokeTokens() async throws {
        _ = try await send(.POST, "/_control/revoke", body: "{}", to: gateway.baseURL)
    }

    func stop() async throws {
        try await server.shutdown()
    }

    static let message = #"{"model":"claude-test","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}"#
}

/// Access-log lines collected from the proxy.
final class AccessLogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Polls `condition` until it holds, recording a failure if it never does within `timeout`.
func expectEventually(
    timeout: Duration = .seconds(5), _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record(comment ?? "the condition did not hold within \(timeout)", sourceLocation: sourceLocation)
}
