import ListeningService
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

/// A server run as a service: bound on loopback, its port reported, stopped gracefully.
@Suite("Starting a service group and waiting for its port")
struct ListeningServiceTests {
    /// Binds 127.0.0.1:`port`, reports its channel, and runs until a graceful shutdown.
    struct EchoService: Service {
        let port: Int
        let onListening: @Sendable (any Channel) -> Void

        func run() async throws {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: port).get()
            onListening(channel)
            try? await gracefulShutdown()
            try await channel.close()
        }
    }

    @Test("the port is the one bound; after shutdown the group and afterRun have finished")
    func startAndStop() async throws {
        let stopped = Flag()
        let service = try await ListeningService.start { onListening in
            ServiceGroup(
                configuration: .init(
                    services: [EchoService(port: 0, onListening: onListening)], logger: .init(label: "t")))
        } afterRun: {
            stopped.set()
        }
        #expect(service.port > 0)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: service.port).get()
        try await client.close()
        #expect(!stopped.value)
        try await service.shutdown()
        #expect(stopped.value)
    }

    @Test("a server that cannot bind fails the start with the reason, and afterRun still runs")
    func bindFailure() async throws {
        let first = try await ListeningService.start { onListening in
            ServiceGroup(
                configuration: .init(
                    services: [EchoService(port: 0, onListening: onListening)], logger: .init(label: "t")))
        }
        let stopped = Flag()
        let error = await #expect(throws: ListeningService.StartFailure.self) {
            _ = try await ListeningService.start { onListening in
                ServiceGroup(
                    configuration: .init(
                        services: [EchoService(port: first.port, onListening: onListening)], logger: .init(label: "t")))
            } afterRun: {
                stopped.set()
            }
        }
        #expect(error?.description.contains("in use") == true, "\(error?.description ?? "")")
        #expect(stopped.value)
        try await first.shutdown()
    }
}

/// A flag set from another task.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
