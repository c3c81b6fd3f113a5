import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs long computations of a test on a thread of its own, one at a time, at the lowest priority.
///
/// Swift Testing runs every test on Swift concurrency's cooperative pool, which has one thread per
/// core (two on the test machines). A test that computes synchronously for half a minute holds one
/// of them, and two such tests stall every other test; several such computations at once, even off
/// the pool, take both cores from the tests that measure time (a helper stopped at its timeout, a
/// login shell given 3 s), whose assertions then fail. Work given to `OffPool.run` therefore runs on
/// a new thread, after any other such work has finished, with nice 19 (on Linux a thread's nice value
/// is its own, and the children it starts inherit it).
public enum OffPool {
    private static let turn = Mutex<Void>(())

    /// Runs `body` on a dedicated low-priority thread and returns what it returns (or throws what it
    /// throws).
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                #if canImport(Glibc)
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                #endif
                let result = turn.withLock { _ in Result { try body() } }
                done.resume(with: result)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Waits for something that blocks, such as a fixture printing its first line or a child
    /// exiting, on a new thread started at once at normal priority, and returns what `body` returns.
    ///
    /// A fixture started inside a test (or a suite's `init`) would otherwise hold a thread of the
    /// cooperative pool while it starts: a few tests starting the shared identity provider at once
    /// stall every other test for as long as it takes, and tests that measure time then fail.
    public static func wait<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            let thread = Thread { done.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
