import Foundation

/// Runs long blocking test work on a thread of its own.
///
/// Swift Testing runs every test on Swift concurrency's cooperative pool, which has one thread per
/// core (two on the test machines). A test that computes or waits synchronously for a minute holds
/// one of them, and two such tests stall every other test, whose timing assertions then fail. Work
/// given to `OffPool.run` runs on a new thread while the test awaits it, leaving the pool free.
public enum OffPool {
    /// Runs `body` on a dedicated thread and returns what it returns (or throws what it throws).
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            let thread = Thread { done.resume(with: Result { try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
