import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// How Hummingbird's server sets up each client connection of the proxy: NIO's HTTP/1.1 codec
/// and protocol-error answers, ending in a ``ForwardingHandler`` (which orders pipelined requests
/// and quiesces on shutdown). The connection's work all happens on its event loop; the server only
/// waits for it to close.
struct ProxyChildChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let session: ProxySession

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Response headers come from the upstream's parsed response or are the proxy's own, so
            // NIO's outbound header validation would only check them twice.
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: true, withOutboundHeaderValidation: false)
            try channel.pipeline.syncOperations.addHandler(ForwardingHandler(session: session))
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
