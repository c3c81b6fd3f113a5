import CredentialProxyHTTP1
import NIOCore

/// A request body too large to keep, passed from the client's connection to the upstream as it
/// arrives. The client is read only as fast as the upstream takes the body. Event-loop bound.
final class RequestBodyRelay {
    private let pauseReading: (Bool) -> Void
    private var pending = CircularBuffer<ByteBuffer>()
    private var ended = false
    private var abandoned = false
    private var connection: UpstreamConnection?
    private var paused = false

    /// Parts queued before the upstream connection is ready beyond this stop reading the client.
    private static let highWater = 4

    /// - Parameter pauseReading: called with true to stop reading the client, false to resume.
    init(pauseReading: @escaping (Bool) -> Void) { self.pauseReading = pauseReading }

    /// A part of the body arrived from the client.
    func append(_ part: ByteBuffer) {
        guard !abandoned else { return }
        guard let connection else {
            pending.append(part)
            return setPaused(pending.count > Self.highWater)
        }
        connection.sendBody(part, flush: true)
        setPaused(!connection.isWritable)
    }

    /// The client sent the whole body.
    func finish() {
        ended = true
        connection?.endRequest()
    }

    /// The upstream connection is ready: what arrived so far goes out, the rest as it arrives.
    func attach(_ connection: UpstreamConnection) {
        guard !abandoned else { return }
        self.connection = connection
        while let part = pending.popFirst() { connection.sendBody(part, flush: false) }
        if ended { connection.endRequest() } else { connection.flush() }
        setPaused(!connection.isWritable)
    }

    /// The upstream's appetite changed.
    func writabilityChanged() {
        if let connection { setPaused(!connection.isWritable) }
    }

    /// The body is no longer wanted (the client left, or the response ended first).
    func abandon() {
        abandoned = true
        pending.removeAll()
        connection = nil
        setPaused(false)
    }

    private func setPaused(_ paused: Bool) {
        guard paused != self.paused else { return }
        self.paused = paused
        pauseReading(paused)
    }
}
