import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Performs the actions of a ``SupervisionStateMachine`` for one spawned child: signals, `waitpid`,
/// `poll` over its pipes and pidfd, reads, non-blocking stdin writes, the `/proc` stdin probe. Every
/// decision is the machine's.
final class Supervisor: Sendable {
    fileprivate let process: SpawnedProcess
    fileprivate let cancelled = Atomic<Bool>(false)

    init(_ process: SpawnedProcess) {
        self.process = process
    }

    /// Asks the loop to tear the child down as on a timeout. The loop notices within
    /// ``SupervisionStateMachine/cancellationLatency``.
    func cancel() {
        cancelled.store(true, ordering: .sequentiallyConsistent)
    }

    /// Supervises the child until it is done and reaped, closing every descriptor it opened.
    ///
    /// The first `inlineBudget` of supervision runs on the calling thread: a child that answers from
    /// a cache finishes well within it, with no thread hand-off. A child still running after that is
    /// supervised from a thread of its own, so a slow sign-in never holds a cooperative thread.
    func supervise(
        _ machine: SupervisionStateMachine, inlineBudget: Duration, stderrObserver: (@Sendable ([UInt8]) -> Void)?
    ) async -> ChildProcessRun {
        let loop = LoopBox(Loop(supervisor: self, machine: machine, observer: stderrObserver))
        loop.loop.machine.pause = ContinuousClock.now + inlineBudget
        if let run = loop.loop.run() { return finish(run) }
        return await withCheckedContinuation { (continuation: CheckedContinuation<ChildProcessRun, Never>) in
            DetachedThread.start {
                loop.loop.machine.pause = nil
                while true {
                    if let run = loop.loop.run() {
                        continuation.resume(returning: self.finish(run))
                        return
                    }
                }
            }
        }
    }

    private func finish(_ run: ChildProcessRun) -> ChildProcessRun {
        for descriptor in [process.stdout, process.stderr, process.pidDescriptor] where descriptor >= 0 {
            close(descriptor)
        }
        return run
    }

    /// Hands the loop's state to the supervision thread; only one thread touches it at a time.
    private final class LoopBox: @unchecked Sendable {
        var loop: Loop
        init(_ loop: Loop) { self.loop = loop }
    }

    private struct Loop {
        let supervisor: Supervisor
        var machine: SupervisionStateMachine
        let observer: (@Sendable ([UInt8]) -> Void)?
        var stdinWrite: Int32
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)

        init(supervisor: Supervisor, machine: SupervisionStateMachine, observer: (@Sendable ([UInt8]) -> Void)?) {
            self.supervisor = supervisor
            self.machine = machine
            self.observer = observer
            self.stdinWrite = supervisor.process.stdinWrite
        }

        private var process: SpawnedProcess { supervisor.process }

        /// Runs until the child is done (the run) or until the machine's pause passes (nil; call again).
        mutating func run() -> ChildProcessRun? {
            while true {
                let cancelled = supervisor.cancelled.load(ordering: .relaxed)
                switch machine.nextAction(now: .now, cancelled: cancelled) {
                case .signalGroup(let signal): kill(-process.pid, signal)
                case .reap(let blocking): machine.reaped(reap(blocking: blocking))
                case .wait(let wait):
                    let ready = self.wait(wait)
                    machine.waited(readable: [ready[0], ready[1]], writable: ready[2])
                case .write(let bytes): machine.wrote(PipeWrite.withoutSIGPIPE(bytes, to: stdinWrite))
                case .read(let stream):
                    machine.read(stream, readOnce(stream == .stdout ? process.stdout : process.stderr))
                case .observeStderr(let chunk): observer?(chunk)
                case .probeStdin:
                    machine.probed(
                        blocked: GroupProcesses.anyBlockedReadingStdin(group: process.pid, pipeWriteEnd: stdinWrite))
                case .closeStdin:
                    if stdinWrite >= 0 { close(stdinWrite) }
                    stdinWrite = -1
                case .pause: return nil
                case .finish(var run):
                    if stdinWrite >= 0 { close(stdinWrite) }
                    stdinWrite = -1
                    run.elapsed = .now - machine.start
                    return run
                }
            }
        }

        /// Sleeps until a watched stream is readable, stdin can take more, the child exits, the wait's
        /// timer passes, or its cap passes. Returns whether stdout, stderr are readable and stdin is
        /// writable.
        private func wait(_ wait: SupervisionStateMachine.Wait) -> [Bool] {
            let descriptors = [process.stdout, process.stderr]
            var polled: [pollfd] = (0..<2).map {
                wait.read[$0]
                    ? pollfd(fd: descriptors[$0], events: Int16(POLLIN), revents: 0)
                    : pollfd(fd: -1, events: 0, revents: 0)
            }
            polled.append(
                wait.write && stdinWrite >= 0
                    ? pollfd(fd: stdinWrite, events: Int16(POLLOUT), revents: 0)
                    : pollfd(fd: -1, events: 0, revents: 0))
            if wait.exit { polled.append(pollfd(fd: process.pidDescriptor, events: Int16(POLLIN), revents: 0)) }
            var length = wait.cap
            if let until = wait.until { length = max(.zero, min(wait.cap, until - .now)) }
            let milliseconds = Int32(clamping: length.wholeMilliseconds)
            if poll(&polled, nfds_t(polled.count), milliseconds + (length > .zero ? 1 : 0)) <= 0 {
                return [false, false, false]
            }
            return [polled[0].revents != 0, polled[1].revents != 0, polled[2].revents != 0]
        }

        /// Reads once from `descriptor`, which poll reported readable; empty at end of file or on error.
        private mutating func readOnce(_ descriptor: Int32) -> ArraySlice<UInt8> {
            var count: Int
            repeat {
                count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            } while count < 0 && errno == EINTR
            return count > 0 ? buffer[..<count] : []
        }

        /// `waitpid` once (retrying on EINTR): the status when the child was reaped.
        private func reap(blocking: Bool) -> Int32? {
            var raw: Int32 = 0
            while true {
                let rc = waitpid(process.pid, &raw, blocking ? 0 : WNOHANG)
                if rc < 0 && errno == EINTR { continue }
                return rc == process.pid ? raw : nil
            }
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    fileprivate var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
