#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CredentialHelperProtocol
import Subprocess
import Synchronization
import SystemPackage

/// Runs a helper the way PROTOCOL.md §3 says a host must.
///
/// The helper is executed directly (no shell) with no arguments, stdin on `/dev/null`, in a new
/// session (its own process group, no controlling terminal), with `CLAUDE_HELPER_CONTEXT` set and
/// `CLAUDE_HELPER_MANUAL_RUN=1` only for `setup-test`. stdout and stderr are each capped; past the cap
/// the process group is killed. On timeout the group gets SIGTERM, then SIGKILL after
/// ``terminationGrace``, and is reaped. When the helper exits but leaves a background process
/// holding its output open, reading stops at once and what the helper printed is used.
public struct HelperRunner: Sendable {
    /// The default cap on each of stdout and stderr: 64 KiB.
    public static let defaultOutputLimit = 64 * 1024

    /// The cap on each output stream, in bytes.
    public var outputLimit: Int
    /// How long a helper has to exit after SIGTERM before its group gets SIGKILL.
    public var terminationGrace: Duration
    /// The environment the helper inherits, before the context variables are applied.
    public var environment: [String: String]

    /// A runner. `environment` defaults to this process's environment.
    public init(
        outputLimit: Int = Self.defaultOutputLimit,
        terminationGrace: Duration = .seconds(1),
        environment: [String: String]? = nil
    ) {
        self.outputLimit = outputLimit
        self.terminationGrace = terminationGrace
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    /// The environment a helper gets for `context`.
    public func helperEnvironment(for context: HelperContext) -> [String: String] {
        var result = environment
        result[HelperContext.environmentVariable] = context.rawValue
        result[HelperContext.legacyManualRunVariable] = context == .setupTest ? "1" : nil
        return result
    }

    /// Runs the helper at `path` once. Throws only when it cannot be started (bad path, permissions,
    /// spawn failure); every way a started helper ends is a ``HelperRun``.
    ///
    /// - Parameter stderrObserver: called with each chunk of stderr as it arrives (a terminal host
    ///   relays it live in the `interactive` context). The chunks are raw helper output.
    public func run(
        _ path: String,
        context: HelperContext,
        timeout: Duration,
        stderrObserver: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws(HelperError) -> HelperRun {
        try HelperPathCheck.validate(path)
        let configuration = Configuration(
            executable: .path(FilePath(path)),
            arguments: [],
            environment: .custom(helperEnvironment(for: context).reduce(into: [:]) { $0[.init(rawValue: $1.key)!] = $1.value }),
            platformOptions: platformOptions())
        let capture = RunCapture(limit: outputLimit)
        let start = ContinuousClock.now
        let ending = await race(configuration, capture: capture, timeout: timeout, stderrObserver: stderrObserver)
        let elapsed = ContinuousClock.now - start
        let pid = capture.pid
        var leftBackground = false
        let outcome: HelperRun.Outcome
        switch ending {
        case .spawnFailed(let error):
            throw HelperError(.spawnFailed, "could not start the helper \(path): \(error); check that it is a valid "
                + "executable for this machine (a script needs a #! line)")
        case .timedOut:
            outcome = .timedOut
        case .overflow(let stream):
            outcome = .outputTooLarge(stream)
        case .terminated(let status):
            switch status {
            case .exited(let code): outcome = .exited(code)
            case .signaled(let signal): outcome = .signaled(signal)
            }
            if let pid { leftBackground = kill(-pid, 0) == 0 }
        }
        if let pid, case .timedOut = outcome {
            // Whatever is left of the group goes too: a member that ignored SIGTERM after the helper
            // itself exited. The group id cannot be reused while any member is alive.
            kill(-pid, SIGKILL)
        }
        let (stdout, stderr) = capture.output
        return HelperRun(
            context: context, timeout: timeout, outcome: outcome, stdout: stdout, stderr: stderr,
            elapsed: elapsed, leftBackgroundProcess: leftBackground)
    }

    private func platformOptions() -> PlatformOptions {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminationGrace)]
        return options
    }

    private enum Ending: Sendable {
        case terminated(TerminationStatus)
        case timedOut
        case overflow(HelperRun.OutputStream)
        case spawnFailed(String)
    }

    private func race(
        _ configuration: Configuration,
        capture: RunCapture,
        timeout: Duration,
        stderrObserver: (@Sendable ([UInt8]) -> Void)?
    ) async -> Ending {
        await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration, input: .none, output: .sequence, error: .sequence
                    ) { execution in
                        capture.pid = execution.processIdentifier.value
                        let stdout = execution.standardOutput
                        let stderr = execution.standardError
                        try await withThrowingTaskGroup(of: Void.self) { readers in
                            readers.addTask { try await capture.read(stdout, into: .stdout, observer: nil) }
                            readers.addTask { try await capture.read(stderr, into: .stderr, observer: stderrObserver) }
                            try await readers.waitForAll()
                        }
                    }
                    return .terminated(result.terminationStatus)
                } catch let overflow as OutputOverflow {
                    return .overflow(overflow.stream)
                } catch let error as SubprocessError where capture.pid == nil {
                    return .spawnFailed(error.underlyingError.map { "\($0)" } ?? "\(error.code)")
                } catch {
                    return nil  // cancelled by the deadline
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                } catch {
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if case .timedOut = first {
                _ = await group.next()  // let the teardown finish and the helper be reaped
                return .timedOut
            }
            return first ?? .timedOut
        }
    }
}

/// The output read so far, shared between the reader tasks and the runner.
private final class RunCapture: Sendable {
    private struct State {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var pid: pid_t?
    }
    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var pid: pid_t? {
        get { state.withLock { $0.pid } }
        set { state.withLock { $0.pid = newValue } }
    }

    var output: ([UInt8], [UInt8]) { state.withLock { ($0.stdout, $0.stderr) } }

    func read(
        _ sequence: SubprocessOutputSequence,
        into stream: HelperRun.OutputStream,
        observer: (@Sendable ([UInt8]) -> Void)?
    ) async throws {
        for try await buffer in sequence {
            let bytes = buffer.withUnsafeBytes { Array($0) }
            let overflowed = state.withLock { state -> Bool in
                let room = limit - (stream == .stdout ? state.stdout.count : state.stderr.count)
                let kept = bytes.prefix(max(room, 0))
                if stream == .stdout { state.stdout += kept } else { state.stderr += kept }
                return bytes.count > room
            }
            if overflowed {
                if let pid { kill(-pid, SIGKILL) }
                throw OutputOverflow(stream: stream)
            }
            observer?(bytes)
        }
    }
}

private struct OutputOverflow: Error {
    let stream: HelperRun.OutputStream
}
