import CredentialHelperHost
import CredentialProxyHTTP1
import HummingbirdCore
import ListeningService
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The running proxy: Hummingbird's server, whose connections each run a ``ForwardingHandler`` over
/// their event loop's upstream connection pool; the server and the pools run as services of one
/// group, so a graceful shutdown stops accepting, lets in-flight requests and streams finish (for up
/// to ``ProxyConfiguration/shutdownGrace``), closes the upstream connections, waits for helper runs
/// still going, and stops the event loops.
public final class ProxyServer: Sendable {
    /// The port the proxy listens on (the real one when 0 was asked for).
    public var port: Int { service.port }
    private let service: ListeningService

    private init(service: ListeningService) { self.service = service }

    /// Starts the proxy and returns once it listens.
    ///
    /// - Parameters:
    ///   - provider: the session's credential provider (its TTL cache, single flight and refresh).
    ///   - accessLog: receives one line per request (method, path, status, duration); no credentials.
    ///   - shutdownSignals: signals that trigger a graceful shutdown (the CLI passes SIGINT and SIGTERM).
    public static func start(
        _ configuration: ProxyConfiguration, provider: CredentialProvider,
        accessLog: (@Sendable (String) -> Void)? = nil, shutdownSignals: [UnixSignal] = [],
        logger: Logger = Logger(label: "credhelper.proxy", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> ProxyServer {
        try configuration.validate()
        // Each request, and its upstream connection, stays on the event loop its client connection
        // was accepted on: no thread hops, and the upstream pools need no locks.
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let session: ProxySession
        do {
            session = try ProxySession(
                configuration: configuration, provider: provider, eventLoopGroup: eventLoopGroup, accessLog: accessLog)
        } catch {
            try? await eventLoopGroup.shutdownGracefully()
            if let error = error as? ProxyConfigurationError { throw error }
            throw ProxyConfigurationError(
                "cannot set up TLS for the upstream (\(error)); check --upstream-ca-file")
        }
        do {
            let service = try await ListeningService.start { onListening in
                let server = ProxyChildChannel(session: session).server(
                    configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort)),
                    onServerRunning: onListening, eventLoopGroup: eventLoopGroup, logger: logger)
                var groupConfiguration = ServiceGroupConfiguration(
                    services: [.init(service: server), .init(service: UpstreamPoolsService(session: session))],
                    gracefulShutdownSignals: shutdownSignals, logger: logger)
                // Streams still running this long after a shutdown signal are cut.
                groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
                return ServiceGroup(configuration: groupConfiguration)
            } afterRun: {
                // A helper run for a client that left would complete its future on a stopped event loop.
                await session.helperRunsEnded()
                try? await eventLoopGroup.shutdownGracefully()
            }
            return ProxyServer(service: service)
        } catch {
            throw ProxyConfigurationError(
                "cannot listen on \(configuration.listenHost):\(configuration.listenPort): \(error)")
        }
    }

    /// Waits until the proxy stops (after a shutdown signal or ``shutdown()``).
    public func wait() async throws {
        try await service.wait()
    }

    /// Stops accepting connections, lets in-flight requests finish, closes the upstream connections.
    public func shutdown() async throws {
        try await service.shutdown()
    }
}

/// The upstream connections as a service: closed after the server stopped.
struct UpstreamPoolsService: Service {
    let session: ProxySession

    func run() async throws {
        try? await gracefulShutdown()
        await session.closeUpstreamConnections()
    }
}
