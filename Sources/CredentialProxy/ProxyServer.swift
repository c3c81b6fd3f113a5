import AsyncHTTPClient
import CredentialHelperHost
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The running proxy: a Hummingbird server forwarding through an AsyncHTTPClient, both run as
/// services of one group, so a graceful shutdown stops accepting, lets in-flight requests and
/// streams finish, and then closes the client.
public final class ProxyServer: Sendable {
    /// The port the proxy listens on (the real one when 0 was asked for).
    public let port: Int
    private let group: ServiceGroup
    private let runner: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, runner: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.runner = runner
    }

    /// Starts the proxy and returns once it listens.
    ///
    /// - Parameters:
    ///   - provider: the session's credential provider (its TTL cache, single flight and refresh).
    ///   - accessLog: receives one line per request (method, path, status, duration); no credentials.
    ///   - shutdownSignals: signals that trigger a graceful shutdown (the CLI passes SIGINT and SIGTERM).
    public static func start(
        _ configuration: ProxyConfiguration, provider: CredentialProvider,
        accessLog: @escaping @Sendable (String) -> Void = { _ in }, shutdownSignals: [UnixSignal] = [],
        logger: Logger = Logger(label: "credhelper.proxy", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> ProxyServer {
        try configuration.validate()
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.decompression = .disabled
        clientConfiguration.timeout.connect = .init(configuration.connectTimeout)
        clientConfiguration.timeout.read = .init(configuration.readTimeout)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let responder = ForwardingResponder(
            configuration: configuration, provider: provider, client: client, accessLog: accessLog,
            health: HealthReport(upstream: configuration.upstreamParts.origin))
        let (bound, boundSink) = AsyncStream<Int?>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort)),
            onServerRunning: { channel in boundSink.yield(channel.localAddress?.port) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: HTTPClientService(client: client))],
                gracefulShutdownSignals: shutdownSignals, logger: logger))
        let runner = Task {
            defer { boundSink.yield(nil) }
            try await group.run()
        }
        var port: Int?
        for await value in bound {
            port = value
            break
        }
        guard let port else {
            if case .failure(let error) = await runner.result {
                throw ProxyConfigurationError(
                    "cannot listen on \(configuration.listenHost):\(configuration.listenPort): \(error)")
            }
            throw ProxyConfigurationError("the proxy stopped before it listened")
        }
        return ProxyServer(port: port, group: group, runner: runner)
    }

    /// Waits until the proxy stops (after a shutdown signal or ``shutdown()``).
    public func wait() async throws {
        try await runner.value
    }

    /// Stops accepting connections, lets in-flight requests finish, closes the upstream client.
    public func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
    }
}

/// The upstream client as a service: shut down after the server stopped.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
