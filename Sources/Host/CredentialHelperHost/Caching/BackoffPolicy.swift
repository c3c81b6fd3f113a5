/// How long a provider waits before running a failing helper again: ``initialDelay`` after the
/// first failure, doubling with each consecutive failure up to ``maximumDelay``. A success resets it.
public struct BackoffPolicy: Sendable, Hashable {
    /// The wait after one failure.
    public var initialDelay: Duration
    /// The longest wait.
    public var maximumDelay: Duration

    /// A policy; the defaults are 1 s doubling up to 60 s.
    public init(initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(60)) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait after `failures` consecutive failures (zero for none).
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = initialDelay
        for _ in 1..<min(failures, 32) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }
}
