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
        guard let timer = machine.silenceTimer(at: parser.position) else { return }
        let timeout = timer == .idle ? session.configuration.idleTimeout : session.configuration.bodyTimeout
        silenceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            self.silenceTimer = nil
            let buffered: ClientRequest?
            if case .buffering(let request, _, _) = self.requestBody { buffered = request } else { buffered = nil }
            switch (self.machine.silenceElapsed(timer, buffering: buffered != nil), buffered) {
            case (.answerStalledBody, let request?):
                self.refuseStalledBody(request, seconds: timeout.components.seconds, context: context)
            case (.none, _): break
            default: context.close(promise: nil)
            }
        }
    }

    /// A 408 for a request whose body stopped arriving before anything was sent upstream; then the
    /// connection closes.
    private func refuseStalledBody(_ request: ClientRequest, seconds: Int64, context: ChannelHandlerContext) {
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
