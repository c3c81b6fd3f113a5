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

    /// What supervision on the calling thread ended with.
    enum InlineResult {
        /// The child is done and reaped; every descriptor is closed.
        case finished(ChildProcessRun)
        /// The inline budget passed with the child still running: go on with ``superviseOnThread(_:)``.
        case running(Supervisor, Remaining)
    }

    /// The state of a supervision handed from the calling thread to a thread of its own; only one
    /// thread touches it at a time.
    final class Remaining: @unchecked Sendable {
        fileprivate var loop: Loop
        fileprivate init(_ loop: Loop) { self.loop = loop }
    }

    /// Supervises the child on the calling thread for at most `inlineBudget`: a child that answers
    /// from a cache finishes well within it, with no thread hand-off. The calling task's cancellation
    /// is noticed here as ``cancel()`` is later.
    func superviseInline(
        _ machine: SupervisionStateMachine, inlineBudget: Duration, stderrObserver: (@Sendable ([UInt8]) -> Void)?
    ) -> InlineResult {
        var loop = Loop(supervisor: self, machine: machine, observer: stderrObserver)
        loop.machine.pause = ContinuousClock.now + inlineBudget
        if let run = loop.run() { return .finished(finish(run)) }
        return .running(self, Remaining(loop))
    }

    /// Supervises the rest of a run from a thread of its own, so a slow sign-in never holds a
    /// cooperative thread, until the child is done and reaped.
    func superviseOnThread(_ remaining: Remaining) async -> ChildProcessRun {
        await withCheckedContinuation { (continuation: CheckedContinuation<ChildProcessRun, Never>) in
            DetachedThread.start {
                remaining.loop.machine.pause = nil
                while true {
                    if let run = remaining.loop.run() {
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

    fileprivate struct Loop {
        let supervisor: Supervisor
        var machine: SupervisionStateMachine
        let observer: (@Sendable ([UInt8]) -> Void)?
        var stdinWrite: Int32
        /// Where reads land; never read beyond what `read` wrote, so it is not zeroed first.
        var buffer = [UInt8](unsafeUninitializedCapacity: 16 * 1024) { _, count in count = 16 * 1024 }

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
                // Task.isCancelled: the calling task while inline; false on the supervision thread.
                let cancelled = supervisor.cancelled.load(ordering: .relaxed) || Task.isCancelled
                switch machine.nextAction(now: .now, cancelled: cancelled) {
                case .signalGroup(let signal): kill(-process.pid, signal)
                case .reap(let blocking):
                    switch reap(blocking: blocking) {
                    case .exited(let status): machine.reaped(status)
                    case .running: machine.reaped(nil)
                    case .gone: machine.statusLost()
                    }
                case .wait(let wait):
                    let ready = self.wait(wait)
                    machine.waited(readable: [ready[0], ready[1]], writable: ready[2], exited: ready[3])
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
        /// timer passes, or its cap passes. Returns whether stdout, stderr are readable, stdin is
        /// writable and the child exited.
        private func wait(_ wait: SupervisionStateMachine.Wait) -> [Bool] {
            func watch(_ descriptor: Int32, _ events: Int32, if wanted: Bool) -> pollfd {
                pollfd(fd: wanted && descriptor >= 0 ? descriptor : -1, events: Int16(events), revents: 0)
            }
            var length = wait.cap
            if let until = wait.until { length = max(.zero, min(wait.cap, until - .now)) }
            let milliseconds = Int32(clamping: length.wholeMilliseconds) + (length > .zero ? 1 : 0)
            // A tuple on the stack: this runs a few times per run, and an array was an allocation each time.
            var polled = (
                watch(process.stdout, POLLIN, if: wait.read[0]), watch(process.stderr, POLLIN, if: wait.read[1]),
                watch(stdinWrite, POLLOUT, if: wait.write), watch(process.pidDescriptor, POLLIN, if: wait.exit)
            )
            let ready = withUnsafeMutableBytes(of: &polled) { raw -> Int32 in
                guard let first = raw.baseAddress?.assumingMemoryBound(to: pollfd.self) else { return -1 }
                return poll(first, 4, milliseconds)
            }
            guard ready > 0 else { return [false, false, false, false] }
            return [polled.0.revents != 0, polled.1.revents != 0, polled.2.revents != 0, polled.3.revents != 0]
        }

        /// Reads once from `descriptor`, which poll reported readable; empty at end of file or on error.
        private mutating func readOnce(_ descriptor: Int32) -> ArraySlice<UInt8> {
            var count: Int
            repeat {
                count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            } while count < 0 && errno == EINTR
            return count > 0 ? buffer[..<count] : []
        }

        /// What one `waitpid` found.
        private enum Reap {
            case exited(Int32)
            case running
            /// No such child (`ECHILD`): its status was collected elsewhere.
            case gone
        }

        /// `waitpid` once (retrying on EINTR).
        private func reap(blocking: Bool) -> Reap {
            var raw: Int32 = 0
            while true {
                let rc = waitpid(process.pid, &raw, blocking ? 0 : WNOHANG)
                if rc < 0 && errno == EINTR { continue }
                if rc == process.pid { return .exited(raw) }
                // Any other failure (ECHILD, or an argument the kernel refuses) will not change on a
                // retry: the child is gone for this process, which must not wait for it forever.
                return rc < 0 ? .gone : .running
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
