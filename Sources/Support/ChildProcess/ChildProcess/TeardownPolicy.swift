#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child's process group is stopped on a timeout or cancellation, as swift-subprocess's
/// `TeardownStep` sequence: each step sends a signal to the whole group and allows it some time to
/// exit; after the last step the group gets `SIGKILL` and the child is reaped.
///
/// The group, not just the child: every child runs in a session of its own, so its group holds
/// exactly what it started, and a grandchild cannot outlive the teardown.
public struct TeardownPolicy: Sendable, Hashable {
    /// One step: send `signal`, then allow `allowing` for the child to exit.
    public struct Step: Sendable, Hashable {
        /// The signal sent to the process group.
        public let signal: Int32
        /// How long the child has to exit before the next step.
        public let allowing: Duration

        /// Sends `signal` to the group, then waits up to `allowing` for the exit.
        public static func send(_ signal: Int32, allowing: Duration) -> Step {
            Step(signal: signal, allowing: allowing)
        }
    }

    /// The steps before the final `SIGKILL`.
    public let steps: [Step]

    /// A policy of `steps`, always followed by `SIGKILL`.
    public init(_ steps: [Step]) {
        self.steps = steps
    }

    /// `SIGTERM`, then `SIGKILL` after `grace`.
    public static func gracefulShutDown(allowing grace: Duration) -> TeardownPolicy {
        TeardownPolicy([.send(SIGTERM, allowing: grace)])
    }
}
