import CredentialHelperProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to the standard streams without Foundation's `FileHandle`.
enum Terminal {
    static func standardOutput(_ text: String) { send(1, Array(text.utf8)) }
    static func standardError(_ text: String) { send(2, Array(text.utf8)) }
    static func standardError(bytes: [UInt8]) { send(2, bytes) }

    /// Relays a chunk of a helper's stderr as it arrives (the interactive context's live relay).
    @Sendable static func relayHelperStderr(_ context: HelperContext, _ chunk: [UInt8]) { send(2, chunk) }

    static func error(_ message: String) { standardError("credhelper: error: \(message)\n") }
    static func warning(_ message: String) { standardError("credhelper: warning: \(message)\n") }

    /// Ends the process with `status`.
    static func exitProcess(_ status: Int32) -> Never { exit(status) }

    /// Whether `descriptor` is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    private static func send(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, base + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                offset += count
            }
        }
    }
}
