#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child's whole environment, held as the NULL-terminated array of C strings `execve` takes.
/// Built once, it is reused by every spawn given it: a host runs the same helper with the same
/// environment many times, and copying each entry for each run was a measurable part of a run.
public final class ChildEnvironment: Sendable {
    /// `NAME=value` C strings, then NULL; owned, never mutated after `init`.
    private nonisolated(unsafe) let strings: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    /// An environment of exactly these `NAME=value` entries, in this order.
    public init(_ entries: [String]) {
        count = entries.count
        strings = .allocate(capacity: entries.count + 1)
        for (index, entry) in entries.enumerated() { (strings + index).initialize(to: strdup(entry)) }
        (strings + entries.count).initialize(to: nil)
    }

    deinit {
        for index in 0..<count { free(strings[index]) }
        strings.deallocate()
    }

    /// Calls `body` with the environment as `envp`.
    func withEnvp<Result>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        body(strings)
    }
}
