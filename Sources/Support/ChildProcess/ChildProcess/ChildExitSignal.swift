#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `SIGCHLD`, unblocked on the thread that spawns a child while that thread supervises it.
///
/// When a child exits, the kernel signals its parent *thread*. If that thread blocks `SIGCHLD`, as
/// every thread of Swift concurrency's pool does, a `SIGCHLD` left at its default disposition (ignore)
/// is not discarded: it is queued for the process and wakes some other thread that does not block it,
/// often the main thread, once per run. With `SIGCHLD` unblocked on the spawning thread, the kernel
/// discards it when the child exits and no thread wakes (docs/benchmarks.md measures what that wake
/// costs). A process that installed a `SIGCHLD` handler may now see it run on this thread, as POSIX
/// allows for any thread that does not block the signal; the supervisor retries calls interrupted by it.
enum ChildExitSignal {
    /// Runs `body` with `SIGCHLD` unblocked on this thread, then restores the thread's mask.
    static func unblocked<Result>(_ body: () -> Result) -> Result {
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        var previous = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &childSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }
}
