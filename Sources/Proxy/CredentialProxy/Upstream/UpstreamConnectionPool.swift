import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The upstream connections of one event loop: idle keep-alive connections are reused newest
/// first, new ones are opened on demand, a connection that cannot be reused is closed, and one idle
/// longer than ``ProxyConfiguration/upstreamIdleTimeout`` is closed too.
/// Requests never leave their event loop, so the pool needs no lock. Event-loop bound.
final class UpstreamConnectionPool {
    private let eventLoop: any EventLoop
    private let endpoint: UpstreamEndpoint
    private let tls: NIOSSLContext?
    private let connectTimeout: TimeAmount
    private let timeouts: UpstreamConnection.Timeouts
    private let idleTimeout: TimeAmount
    /// Oldest first (released last at the end).
    private var idle: [UpstreamConnection] = []
    /// Closes the connections idle too long; armed while there are idle connections.
    private var sweep: Scheduled<Void>?
    private var closing = false

    /// Idle connections kept per event loop; more are closed when released.
    static let maximumIdle = 128

    init(
        eventLoop: any EventLoop, endpoint: UpstreamEndpoint, tls: NIOSSLContext?, connectTimeout: TimeAmount,
        timeouts: UpstreamConnection.Timeouts, idleTimeout: TimeAmount
    ) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.timeouts = timeouts
        self.idleTimeout = idleTimeout
    }

    /// An idle connection, if there is one.
    func idleConnection() -> UpstreamConnection? {
        while let connection = idle.popLast() {
            if connection.isReusable { return connection }
            connection.close()
        }
        return nil
    }

    /// Takes back a connection whose exchange ended.
    func release(_ connection: UpstreamConnection) {
        guard !closing, connection.isReusable, idle.count < Self.maximumIdle else { return connection.close() }
        connection.idleSince = .now()
        idle.append(connection)
        scheduleSweep()
    }

    /// Arms the sweep for when the oldest idle connection times out.
    private func scheduleSweep() {
        guard sweep == nil, let oldest = idle.first else { return }
        sweep = eventLoop.assumeIsolated().scheduleTask(deadline: oldest.idleSince + idleTimeout) {
            self.sweep = nil
            let now = NIODeadline.now()
            while let first = self.idle.first, first.idleSince + self.idleTimeout <= now {
                self.idle.removeFirst()
                first.close()
            }
            self.scheduleSweep()
        }
    }

    /// Closes the idle connections and every connection released from now on.
    func close() {
        closing = true
        sweep?.cancel()
        sweep = nil
        for connection in idle { connection.close() }
        idle.removeAll()
    }

    /// A new connection.
    func connect() -> EventLoopFuture<UpstreamConnection> {
        let (endpoint, tls, timeouts) = (endpoint, tls, timeouts)
        let serverName =
            endpoint.host.contains(":") || endpoint.host.allSatisfy({ $0.isNumber || $0 == "." })
            ? nil : endpoint.host
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    // The connection writes requests and reads responses as bytes.
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnection(timeouts: timeouts))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: eventLoop).assumeIsolated()
            .flatMapThrowing { channel in
                let connection = try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
                connection.onClose = { [weak self] closed in self?.idle.removeAll { $0 === closed } }
                return connection
            }
            .nonisolated()
    }
}
