import CredentialProxyHTTP1
import HummingbirdCore
import Logging
import NIOCore

/// How Hummingbird's server sets up each client connection of the proxy: one ``ForwardingHandler``,
/// which reads the requests from the bytes, writes the responses as bytes, orders pipelined
/// requests and quiesces on shutdown. The connection's work all happens on its event loop; the
/// server only waits for it to close.
struct ProxyChildChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let session: ProxySession

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
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
