import NIOCore
import NIOPosix
import NIOSSL
import NetworkFailure
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Network errors told by their type, from real connections on loopback.
@Suite("Network failures, classified by type")
struct NetworkFailureTests {
    @Test("nothing listening is a refused connection")
    func refused() async throws {
        let port = try LoopbackPort.unused()
        let error: any Error
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.close()
            Issue.record("something listens on port \(port)")
            return
        } catch let caught {
            error = caught
        }
        #expect(NetworkFailure(error) == .refused, "\(error)")
        #expect(NetworkFailure(error).reason(caOption: "--ca") == "connection refused")
    }

    @Test("a peer that does not speak TLS fails the handshake, and the advice names the CA option")
    func tlsToPlainServer() async throws {
        // A plain server that greets every connection in HTTP, not TLS.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PlainGreeting())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let channelError = await connectErrorThroughPipeline(port: try #require(server.localAddress?.port))
        let failure = NetworkFailure(try #require(channelError))
        #expect(failure == .tlsHandshake, "\(String(describing: channelError))")
        #expect(failure.reason(caOption: "caFile").contains("caFile"))
    }

    @Test("system errors and errors that say themselves")
    func classified() {
        struct Stalled: NetworkFailureConvertible { var networkFailure: NetworkFailure { .timedOut } }
        #expect(NetworkFailure(IOError(errnoCode: ECONNRESET, reason: "read")) == .closedEarly)
        #expect(NetworkFailure(IOError(errnoCode: ETIMEDOUT, reason: "connect")) == .timedOut)
        #expect(NetworkFailure(ChannelError.connectTimeout(.seconds(1))) == .timedOut)
        #expect(NetworkFailure(ChannelError.eof) == .closedEarly)
        #expect(NetworkFailure(Stalled()) == .timedOut)
        struct Unknown: Error {}
        #expect(NetworkFailure(Unknown()) == .other("Unknown"))
    }

    /// Connects with TLS to `port`: the handshake fails on the plain server's bytes, and the error is
    /// caught by a handler at the end of the pipeline.
    func connectErrorThroughPipeline(port: Int) async -> (any Error)? {
        let caught = ErrorCatcher()
        do {
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: nil))
                        try channel.pipeline.syncOperations.addHandler(caught)
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.closeFuture.get()
        } catch {
            return error
        }
        return caught.error
    }
}

/// Keeps the first error that reaches the end of a pipeline.
final class ErrorCatcher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private(set) var error: (any Error)?
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.error == nil { self.error = error }
        context.close(promise: nil)
    }
}

/// Writes an HTTP response as soon as a connection opens, then closes it.
final class PlainGreeting: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    func channelActive(context: ChannelHandlerContext) {
        let greeting = context.channel.allocator.buffer(string: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        context.writeAndFlush(NIOAny(greeting)).whenComplete { _ in context.close(promise: nil) }
    }
}
