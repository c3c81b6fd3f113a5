import ChildProcess
import CredentialHelperProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs a helper the way docs/protocol.md §3 says a host must: the host's policy (the helper path
/// rule, the `CLAUDE_HELPER_CONTEXT` variables, the output caps) on top of `ChildProcessRunner`
/// (module `ChildProcess`), which spawns and supervises the process. See docs/benchmarks.md for why that runner
/// replaced swift-subprocess.
///
/// The helper is executed directly (no shell) with no arguments, stdin on `/dev/null`, in a new
/// session (its own process group, no controlling terminal), with `CLAUDE_HELPER_CONTEXT` set and
/// `CLAUDE_HELPER_MANUAL_RUN=1` only for `setup-test`. stdout and stderr are each capped; past the cap
/// the process group is killed. On timeout the group gets SIGTERM, then SIGKILL after
/// ``terminationGrace``, and is reaped. When the helper exits but leaves a background process
/// holding its output open, reading stops after ``drainPeriod`` and what the helper printed is used.
public struct HelperRunner: Sendable {
    /// The default cap on each of stdout and stderr: 64 KiB.
    public static let defaultOutputLimit = 64 * 1024

    /// The most a tool's stdin may be given (`input` of ``run(_:arguments:context:timeout:probeStdin:stderrObserver:input:)``):
    /// 1 MiB. More is ``HelperError/Code/inputTooLarge``.
    public static let inputLimit = ChildProcessRunner.inputLimit

    /// The cap on each output stream, in bytes.
    public var outputLimit: Int
    /// How long a helper has to exit after SIGTERM before its group gets SIGKILL.
    public var terminationGrace: Duration
    /// The environment the helper inherits, before the context variables are applied.
    public let environment: [String: String]
    /// For each context, `environment` with the context variables applied, ready to spawn with.
    private let contextEnvironments: ContextEnvironments
    /// How long to keep reading after the helper exited when something it started still holds its
    /// stdout or stderr open. Output in the pipe when the helper exits is always read.
    public var drainPeriod: Duration = .milliseconds(100)
    /// How long a run is supervised on the calling thread before moving to a thread of its own.
    /// A helper answering from its cache finishes within it, saving a thread hand-off.
    public var inlineBudget: Duration = .milliseconds(5)

    /// A runner. `environment` defaults to this process's environment.
    public init(
        outputLimit: Int = Self.defaultOutputLimit,
        terminationGrace: Duration = .seconds(1),
        environment: [String: String]? = nil
    ) {
        self.outputLimit = outputLimit
        self.terminationGrace = terminationGrace
        let environment = environment ?? ProcessInfo.processInfo.environment
        self.environment = environment
        let inherited =
            environment
            .filter { !HelperContext.isContextVariable($0.key) }
            .map { "\($0.key)=\($0.value)" }
        self.contextEnvironments = ContextEnvironments(inherited: inherited)
    }

    /// Runs the helper at `path` once. Throws only when it cannot be started (bad path, permissions,
    /// spawn failure); every way a started helper ends is a ``HelperRun``.
    ///
    /// - Parameters:
    ///   - path: the helper's absolute path, checked by ``HelperPathCheck`` first.
    ///   - arguments: for hosts, always empty (docs/protocol.md §3). A helper that wraps another
    ///     command-line tool passes that tool's arguments here; they are never given to a shell.
    ///   - context: why the helper runs; set as `CLAUDE_HELPER_CONTEXT`.
    ///   - timeout: how long the run may take before its process group is stopped.
    ///   - probeStdin: for checkers: hold stdin open as an empty pipe until the helper is seen
    ///     blocked reading it, then deliver EOF; ``HelperRun/readStdin`` reports it. Hosts leave it
    ///     off (stdin is `/dev/null`).
    ///   - stderrObserver: called with each chunk of stderr as it arrives (a terminal host relays it
    ///     live in the `interactive` context). The chunks are raw helper output.
    ///   - input: for tools that read a secret from stdin (never a host's helper): stdin is a pipe
    ///     delivering these bytes as the tool reads them, then end of file. At most ``inputLimit``;
    ///     more throws ``HelperError/Code/inputTooLarge`` before anything starts.
    public func run(
        _ path: String,
        arguments: [String] = [],
        context: HelperContext,
        timeout: Duration,
        probeStdin: Bool = false,
        stderrObserver: (@Sendable ([UInt8]) -> Void)? = nil,
        input: [UInt8]? = nil
    ) async throws(HelperError) -> HelperRun {
        // The executable bit is left to the spawn, and named when the spawn is refused (EACCES); input
        // too large for stdin is refused before any spawn, so then the whole check runs first.
        if let input, input.count > Self.inputLimit {
            try HelperPathCheck.validate(path)
        } else {
            try HelperPathCheck.validateAllButExecutable(path)
        }
        let runner = ChildProcessRunner(
            outputLimit: outputLimit, teardown: .gracefulShutDown(allowing: terminationGrace),
            drainPeriod: drainPeriod, inlineBudget: inlineBudget)
        let standardInput: StandardInput = input.map { .bytes($0) } ?? (probeStdin ? .probe : .null)
        let run: ChildProcessRun
        do {
            run = try await runner.run(
                path, arguments: arguments, environment: contextEnvironments[context], standardInput: standardInput,
                timeout: timeout, stderrObserver: stderrObserver)
        } catch {
            switch error.code {
            case .inputTooLarge:
                throw HelperError(
                    .inputTooLarge,
                    "the input for \(path) is \(input?.count ?? 0) bytes, more than the 1 MiB a tool's stdin may be "
                        + "given; nothing was run")
            case .spawnFailed:
                if error.errno == EACCES, let problem = HelperPathCheck.executableProblem(path) { throw problem }
                throw HelperError(
                    .spawnFailed,
                    "could not start the helper \(path): \(error.reason); check that it is a valid executable "
                        + "for this machine (a script needs a #! line naming an installed interpreter)")
            }
        }
        return HelperRun(
            context: context, timeout: timeout, outcome: run.outcome, stdout: run.stdout, stderr: run.stderr,
            elapsed: run.elapsed, leftBackgroundProcess: run.leftBackgroundProcess, readStdin: run.readStdin)
    }

}

/// The helper's environment in each context, each built once, on its first run: the inherited
/// entries (without the context variables) with `CLAUDE_HELPER_CONTEXT` set to the context, and
/// `CLAUDE_HELPER_MANUAL_RUN=1` only for `setup-test` (docs/protocol.md §3). Every variable a helper
/// gets is decided here.
private final class ContextEnvironments: Sendable {
    private let inherited: [String]
    private let built = Mutex<[HelperContext: ChildEnvironment]>([:])

    init(inherited: [String]) {
        self.inherited = inherited
    }

    subscript(context: HelperContext) -> ChildEnvironment {
        built.withLock { built in
            if let environment = built[context] { return environment }
            let environment = ChildEnvironment(inherited + context.environmentEntries)
            built[context] = environment
            return environment
        }
    }
}
