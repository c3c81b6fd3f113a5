import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// How Hummingbird's server sets up each client connection of the proxy: NIO's HTTP/1.1 request
/// decoder, then a ``ForwardingHandler`` (which orders pipelined requests
/// and quiesces on shutdown). The connection's work all happens on its event loop; the server only
/// waits for it to close.
struct ProxyChildChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let session: ProxySession

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Requests are parsed by NIO's decoder; responses are written as bytes by the
            // ForwardingHandler's ClientResponseWriter, which also answers unparsable requests.
            try channel.pipeline.syncOperations.addHandlers(
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
                ForwardingHandler(session: session))
            return Value(channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // Cancelled when the shutdown grace ran out: cut the connection.
        await withTaskCancellationHandler {
            try? await value.channel.closeFuture.get()
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}
