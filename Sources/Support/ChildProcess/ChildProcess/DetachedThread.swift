#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs blocking work on a thread of its own, so a child that takes a minute never holds one of
/// Swift concurrency's few cooperative threads.
enum DetachedThread {
    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread; runs it inline if no thread can be created.
    static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        #if canImport(Darwin)
            var thread: pthread_t?
            let created = pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body()
                    return nil
                }, context)
        #else
            var thread = pthread_t()
            let created = pthread_create(
                &thread, nil,
                { raw in
                    raw.map { Unmanaged<Work>.fromOpaque($0).takeRetainedValue().body() }
                    return nil
                }, context)
        #endif
        guard created == 0 else {
            Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
            return
        }
        #if canImport(Darwin)
            if let thread { pthread_detach(thread) }
        #else
            pthread_detach(thread)
        #endif
    }
}
