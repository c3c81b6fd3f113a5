#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

enum PipeWrite {
    /// Writes what the non-blocking pipe `descriptor` takes of `bytes` now: the count written, 0 when
    /// the pipe is full, -1 when the reader is gone (EPIPE) or the write failed. SIGPIPE is blocked
    /// around the write, and a pending one consumed, so that it cannot stop this process.
    static func withoutSIGPIPE(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Int {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        var written: Int
        repeat {
            written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { written = 0 } else if written < 0 { written = -1 }
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var received: Int32 = 0
            sigwait(&pipeSignal, &received)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return written
    }
}
