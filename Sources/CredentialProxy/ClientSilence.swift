import CredentialProxyHTTP1
import NIOCore

/// When a client that should be sending stays silent (docs/proxy.md, "Timeouts and limits"):
/// between requests and before the first byte (``ProxyConfiguration/idleTimeout``) the connection
/// closes; in the middle of a request body (``ProxyConfiguration/bodyTimeout``) the request is
/// dropped — a 408 when nothing was answered yet, else the connection closes. A head cut across reads
/// has its own timeout; while the proxy waits for the upstream, or stopped reading the client
/// itself, the client is not expected to send and no timer runs.
extension ForwardingHandler {
    /// Re-arms the silence timer for the connection's current state (called after every read and
    /// every response).
    func watchSilence(context: ChannelHandlerContext) {
        silenceTimer?.cancel()
        silenceTimer = nil
        guard !closing else { return }
        let configuration = session.configuration
        let timeout: Duration
        let midBody: Bool
        if !responding, parser.atRequestStart, !parser.hasUnparsedBytes {
            (timeout, midBody) = (configuration.idleTimeout, false)
        } else if responding, !parser.atRequestStart, reading {
            (timeout, midBody) = (configuration.bodyTimeout, true)
        } else {
            return
        }
        silenceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            self.silenceTimer = nil
            guard !self.closing else { return }
            guard midBody else { return context.close(promise: nil) }
            if case .buffering(let request, _, _) = self.requestBody {
                self.refuseStalledBody(request, seconds: timeout.components.seconds, context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// A 408 for a request whose body stopped arriving before anything was sent upstream; then the
    /// connection closes.
    private func refuseStalledBody(_ request: ClientRequest, seconds: Int64, context: ChannelHandlerContext) {
        closing = true
        let response = ProxyErrorResponse(
            type: "invalid_request_error",
            message: "credhelper proxy dropped the request: its body stopped arriving for \(seconds) s",
            status: .requestTimeout
        ).response()
        writer?.response(response, to: request, closing: true)
        writer?.end()
        writer?.whenWritten { Self.lingeringClose(context) }
    }
}
