import NIOCore
import ServiceLifecycle

/// A `ServiceGroup` whose server reports the port it bound: started in a task, returned once it
/// listens, and stopped gracefully. The proxy and the sign-in redirect listener both start their
/// Hummingbird server this way.
public final class ListeningService: Sendable {
    /// The port the server listens on (the real one when 0 was asked for).
    public let port: Int
    private let group: ServiceGroup
    private let runner: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, runner: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.runner = runner
    }

    /// Why the server did not start listening.
    public struct StartFailure: Error, Sendable, CustomStringConvertible {
        /// The error the group stopped with, or that it stopped without one.
        public let description: String
    }

    /// Runs the group `makeGroup` builds — given the callback its server calls with its channel once
    /// it listens — and returns once it listens. `afterRun` runs when the group has stopped, whether it
    /// failed or not (to release what the group's services used).
    public static func start(
        _ makeGroup: (_ onListening: @escaping @Sendable (any Channel) -> Void) -> ServiceGroup,
        afterRun: @escaping @Sendable () async -> Void = {}
    ) async throws(StartFailure) -> ListeningService {
        let (bound, sink) = AsyncStream<Int?>.makeStream()
        let group = makeGroup { channel in sink.yield(channel.localAddress?.port) }
        let runner = Task {
            defer { sink.yield(nil) }
            do {
                try await group.run()
            } catch {
                await afterRun()
                throw error
            }
            await afterRun()
        }
        var port: Int?
        for await value in bound {
            port = value
            break
        }
        guard let port else {
            if case .failure(let error) = await runner.result { throw StartFailure(description: "\(error)") }
            throw StartFailure(description: "it stopped before it listened")
        }
        return ListeningService(port: port, group: group, runner: runner)
    }

    /// Asks the services to stop gracefully, without waiting.
    public func triggerShutdown() async { await group.triggerGracefulShutdown() }

    /// Stops the services gracefully and waits until they stopped.
    public func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
    }

    /// Waits until the services stopped (after a shutdown signal or ``shutdown()``).
    public func wait() async throws { try await runner.value }
}
