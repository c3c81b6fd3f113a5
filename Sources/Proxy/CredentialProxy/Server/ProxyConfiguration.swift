import CredentialHelperHost
import CredentialHelperProtocol
import CredentialProxyHTTP1
import NIOCore

/// How the proxy listens and where it forwards. Plain values with defaults; ``validate()`` checks
/// them together and names the fix.
public struct ProxyConfiguration: Sendable {
    /// The upstream base URL (`https://gateway.example.com` or with a path prefix); its path is
    /// prepended to each request's path.
    public var upstream: String
    /// The address to listen on. Default `127.0.0.1`.
    public var listenHost: String
    /// The port to listen on; 0 picks a free one (read it from ``ProxyServer/port``). Default 8787.
    public var listenPort: Int
    /// Allow a non-loopback listen address. Requires ``clientKey``.
    public var allowRemote: Bool
    /// The key clients must present (`x-api-key` or `Authorization: Bearer`) — required with
    /// ``allowRemote``, optional otherwise.
    public var clientKey: Secret?
    /// Request bodies up to this size are buffered so the request can be replayed after a 401/403
    /// and a silent refresh; larger or unsized bodies stream and are not replayed. Default 10 MiB.
    public var replayBodyLimit: Int
    /// A PEM file of certificate authorities trusted for an `https://` upstream in addition to the
    /// system's (a company CA). Default none.
    public var upstreamCAFile: String?
    /// How long to wait for the upstream to accept a connection. Default 10 s.
    public var connectTimeout: Duration
    /// How long the upstream may stay silent (no byte of the response) before the request fails. Default 600 s.
    public var readTimeout: Duration
    /// How long a response's trailers may take, from their first byte to the empty line that ends
    /// them, however steadily they trickle in; then the connection is closed. Default 30 s.
    public var trailersTimeout: Duration = .seconds(30)
    /// Serve Prometheus metrics at `GET /_credhelper/metrics` (behind ``clientKey`` when there is
    /// one): requests by status, upstream refusals, refreshes, helper runs and latency. Default off.
    public var metrics = false
    /// How long a client may take to send a request's head once it started it; then it gets a
    /// 408 and the connection closes (a client that stalls mid-head holds nothing for long).
    /// Default 60 s.
    public var requestHeadTimeout: Duration = .seconds(60)
    /// How long a client connection may stay silent between requests — and before its first byte —
    /// before it is closed. Default 75 s (nginx's `keepalive_timeout`).
    public var idleTimeout: Duration = .seconds(75)
    /// How long a request body may stop arriving before the request is dropped: a 408 when no
    /// response has started, else the connection closes. Default 60 s (nginx's `client_body_timeout`).
    public var bodyTimeout: Duration = .seconds(60)
    /// How long an upstream connection kept alive for reuse may stay idle before the proxy closes
    /// it. Default 60 s (nginx's upstream `keepalive_timeout`); an upstream that closes sooner is
    /// handled by retrying the request once on a new connection.
    public var upstreamIdleTimeout: Duration = .seconds(60)
    /// The most client connections served at once; more are answered 503 and closed. Each holds at
    /// most one request head (80 KiB) and one replayable body (``replayBodyLimit``). Default 1024.
    public var maximumConnections = 1024
    /// How long in-flight requests and streams may run after a shutdown signal before they are
    /// cut. Default 10 s.
    public var shutdownGrace: Duration = .seconds(10)
    /// How many event-loop threads serve connections; each connection, and its upstream
    /// connection, stays on one. Default ``defaultThreads``.
    public var threads = ProxyConfiguration.defaultThreads

    /// Half the cores, at least one: the proxy is local, and shares the machine with the clients
    /// it serves. One thread forwards tens of thousands of requests per second; more threads than
    /// the machine can spare get preempted by the clients, which lengthens the latency tail.
    public static var defaultThreads: Int { Swift.max(1, System.coreCount / 2) }
    /// A configuration with the defaults above.
    public init(
        upstream: String, listenHost: String = "127.0.0.1", listenPort: Int = 8787,
        allowRemote: Bool = false, clientKey: Secret? = nil, replayBodyLimit: Int = 10 << 20,
        upstreamCAFile: String? = nil,
        connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(600)
    ) {
        self.upstream = upstream
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.allowRemote = allowRemote
        self.clientKey = clientKey
        self.replayBodyLimit = replayBodyLimit
        self.upstreamCAFile = upstreamCAFile
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Checks the values together.
    public func validate() throws(ProxyConfigurationError) {
        _ = try UpstreamEndpoint(upstream)
        guard (0...65_535).contains(listenPort) else {
            throw ProxyConfigurationError("--listen port \(listenPort) is out of range (0–65535)")
        }
        if !ListenHost.isLoopback(listenHost) {
            guard allowRemote else {
                throw ProxyConfigurationError(
                    "--listen \(listenHost) is not a loopback address: anyone who can reach it would use your "
                        + "credential; listen on 127.0.0.1, or pass --allow-remote with --client-key-file")
            }
            guard clientKey != nil else {
                throw ProxyConfigurationError(
                    "--allow-remote needs --client-key-file: remote clients must present a key")
            }
        }
        guard (1...256).contains(threads) else {
            throw ProxyConfigurationError("--threads \(threads) is out of range (1–256)")
        }
        guard replayBodyLimit >= 0 else { throw ProxyConfigurationError("the replay body limit cannot be negative") }
        guard maximumConnections >= 1 else { throw ProxyConfigurationError("--max-connections must be at least 1") }
        let timeouts = [
            ("idle", idleTimeout), ("body", bodyTimeout), ("request head", requestHeadTimeout),
            ("upstream idle", upstreamIdleTimeout),
        ]
        for (name, value) in timeouts
        where value <= .zero {
            throw ProxyConfigurationError("the \(name) timeout must be positive")
        }
    }
}

/// A proxy configuration that cannot work, with the fix.
public struct ProxyConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what to do.
    public let description: String
    init(_ description: String) { self.description = description }
}
