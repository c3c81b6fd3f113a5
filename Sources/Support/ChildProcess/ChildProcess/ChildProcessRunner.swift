/// Runs a program as a supervised child process: spawned directly by `credhelper_spawn` (never a shell), in a new
/// session (its own process group, no controlling terminal), every other descriptor closed, signal
/// mask and dispositions reset; stdout and stderr read with a cap each; stdin `/dev/null`, a probe
/// pipe, or bytes written as the child reads them; a timeout after which the whole process group is
/// torn down by ``teardown``; and, when the child exits but something it started still holds its
/// output open, reading stops after ``drainPeriod``.
///
/// The run is supervised by a `poll` loop over the pipes and a pidfd, inline for the first
/// ``inlineBudget`` (a child answering from a cache is done by then), then on a thread of its own.
/// Cancelling the awaiting task tears the child down as on a timeout.
///
/// While the calling thread spawns and supervises inline, it does not block `SIGCHLD`, so the kernel
/// can discard the signal at the child's exit instead of waking another thread. In a process that
/// handles `SIGCHLD`, the handler may then run on this thread (any `SIGCHLD` of the process, not only
/// this child's), and a process that consumes `SIGCHLD` with `sigwait` or a `signalfd`, relying on
/// every thread blocking it, can miss one delivered here meanwhile. A process
/// that ignores `SIGCHLD` loses its children's exit status: such a run ends as
/// ``ChildProcessRun/Outcome/statusLost``.
///
/// The runner applies no policy about *what* it runs: callers check their executable (the host's
/// helper path rule, `secret-tool`'s trusted-PATH search, an `exec` profile's command) and build
/// its environment.
public struct ChildProcessRunner: Sendable {
    /// The most a child's stdin may be given (``StandardInput/bytes(_:)``): 1 MiB.
    public static let inputLimit = 1024 * 1024

    /// The cap on each of stdout and stderr, in bytes; past it the process group is killed.
    public var outputLimit: Int
    /// How the process group is stopped on a timeout or cancellation.
    public var teardown: TeardownPolicy
    /// How long to keep reading after the child exited when something it started still holds its
    /// stdout or stderr open. Output in the pipe when the child exits is always read.
    public var drainPeriod: Duration
    /// How long a run is supervised on the calling thread before moving to a thread of its own.
    public var inlineBudget: Duration

    /// A runner.
    public init(
        outputLimit: Int, teardown: TeardownPolicy, drainPeriod: Duration = .milliseconds(100),
        inlineBudget: Duration = .milliseconds(5)
    ) {
        self.outputLimit = outputLimit
        self.teardown = teardown
        self.drainPeriod = drainPeriod
        self.inlineBudget = inlineBudget
    }

    /// Runs `executable` once. Throws only when it cannot be started; every way a started child
    /// ends is a ``ChildProcessRun``.
    ///
    /// - Parameters:
    ///   - executable: an absolute path, run directly.
    ///   - arguments: its arguments (argv[0] is `executable`); never given to a shell.
    ///   - environment: its whole environment, as `NAME=value` entries.
    ///   - standardInput: what it reads on stdin; bytes over ``inputLimit`` throw
    ///     ``ChildProcessError/Code/inputTooLarge`` before anything starts.
    ///   - timeout: how long the run may take before its process group is torn down.
    ///   - stderrObserver: called with each chunk of stderr as it arrives (raw output).
    public func run(
        _ executable: String,
        arguments: [String] = [],
        environment: [String],
        standardInput: StandardInput = .null,
        timeout: Duration,
        stderrObserver: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws(ChildProcessError) -> ChildProcessRun {
        try await run(
            executable, arguments: arguments, environment: ChildEnvironment(environment),
            standardInput: standardInput, timeout: timeout, stderrObserver: stderrObserver)
    }

    /// Runs `executable` once with an environment built beforehand (see ``ChildEnvironment``), as
    /// ``run(_:arguments:environment:standardInput:timeout:stderrObserver:)-([String])`` does.
    public func run(
        _ executable: String,
        arguments: [String] = [],
        environment: ChildEnvironment,
        standardInput: StandardInput = .null,
        timeout: Duration,
        stderrObserver: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws(ChildProcessError) -> ChildProcessRun {
        if case .bytes(let bytes) = standardInput, bytes.count > Self.inputLimit {
            throw ChildProcessError(inputTooLarge: bytes.count, executable: executable)
        }
        let stage = startInline(
            executable, arguments: arguments, environment: environment, standardInput: standardInput,
            timeout: timeout, stderrObserver: stderrObserver)
        switch stage {
        case .failed(let error): throw error
        case .supervised(.finished(let run)): return run
        case .supervised(.running(let supervisor, let rest)):
            return await withTaskCancellationHandler {
                await supervisor.superviseOnThread(rest)
            } onCancel: {
                supervisor.cancel()
            }
        }
    }

    /// How far a run got on the calling thread.
    enum Stage {
        case failed(ChildProcessError)
        case supervised(Supervisor.InlineResult)
    }

    /// Spawns `executable` and supervises it on this thread for at most ``inlineBudget``, with
    /// `SIGCHLD` unblocked meanwhile (see `ChildExitSignal`): all of it synchronous, on one thread.
    func startInline(
        _ executable: String, arguments: [String], environment: ChildEnvironment, standardInput: StandardInput,
        timeout: Duration, stderrObserver: (@Sendable ([UInt8]) -> Void)?
    ) -> Stage {
        let start = ContinuousClock.now
        let limits = SupervisionStateMachine.Limits(
            outputLimit: outputLimit, timeout: timeout, teardown: teardown, drain: drainPeriod)
        return ChildExitSignal.unblocked { () -> Stage in
            switch SpawnedProcess.spawn(
                executable, arguments: arguments, environment: environment, standardInput: standardInput)
            {
            case .failure(let error): return .failed(error)
            case .success(let process):
                let machine = SupervisionStateMachine(
                    limits: limits, start: start, standardInput: standardInput,
                    watchesExit: process.pidDescriptor >= 0)
                return .supervised(
                    Supervisor(process).superviseInline(
                        machine, inlineBudget: inlineBudget, stderrObserver: stderrObserver))
            }
        }
    }
}
