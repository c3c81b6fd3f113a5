#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a child process was not started. Nothing ran; every way a started child ends is a
/// ``ChildProcessRun``.
public struct ChildProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure. Raw values are stable identifiers.
    public enum Code: String, Sendable, Hashable {
        /// The operating system could not start the program (``errno`` says why).
        case spawnFailed = "spawn-failed"
        /// The bytes for stdin are more than ``ChildProcessRunner/inputLimit``.
        case inputTooLarge = "input-too-large"
    }

    /// What went wrong.
    public let code: Code
    /// With ``Code/spawnFailed``: the `errno` value the spawn returned (`credhelper_spawn`).
    public let errno: Int32
    /// A sentence saying what was wrong.
    public let message: String

    init(spawnFailed errno: Int32, executable: String) {
        code = .spawnFailed
        self.errno = errno
        message = "could not start \(executable): \(String(cString: strerror(errno)))"
    }

    init(inputTooLarge count: Int, executable: String) {
        code = .inputTooLarge
        errno = 0
        message =
            "the input for \(executable) is \(count) bytes, more than the "
            + "\(ChildProcessRunner.inputLimit / (1024 * 1024)) MiB a program's stdin may be given; nothing was run"
    }

    /// The operating system's description of ``errno`` (for ``Code/spawnFailed``).
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String { message }
}
