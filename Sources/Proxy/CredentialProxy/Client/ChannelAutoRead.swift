import CredentialProxyHTTP1
import NIOCore

extension Channel {
    /// Stops (or resumes) reading: NIO's auto-read, set on the channel's event loop (the caller's).
    func setAutoRead(_ on: Bool) {
        // Fails only once the channel closed, when there is nothing left to read.
        try? syncOptions?.setOption(.autoRead, value: on)
    }
}
