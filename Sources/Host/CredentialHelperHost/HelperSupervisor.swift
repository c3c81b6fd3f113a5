import CHelperSpawn
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Supervises one spawned helper on a thread of its own: reads stdout and stderr with caps, writes
/// its stdin input as it reads it, waits for the exit, enforces the deadline (SIGTERM to the group,
/// SIGKILL after the grace), and stops reading shortly after the helper exits even if a background
/// process still holds its output open.
final class HelperSupervisor: Sendable {
    struct Limits {
        let outputLimit: Int
        let timeout: Duration
        let grace: Duration
        /// How long to keep reading after the helper exited, for output still in flight.
        let drain: Duration
    }

    struct Report {
        var outcome: HelperRun.Outcome
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var leftBackgroundProcess = false
        /// With stdin probing: a process of the helper's group blocked reading stdin.
        var readStdin = false
    }

    private let pid: pid_t
    private let pidDescriptor: Int32
    private let streams: (stdout: Int32, stderr: Int32)
    private let stdinWrite: Int32
    /// With `input`: the bytes the loop writes to stdin as the helper reads them, then closes it.
    private let input: [UInt8]?
    private let cancelled = Atomic<Bool>(false)

    /// Spawns the helper (see `credhelper_spawn`) and returns its supervisor, or the errno value.
    ///
    /// With `probeStdin`, stdin is an empty pipe held open until a process of the helper's group is
    /// seen blocked reading it (then closed, so the reader gets EOF as from `/dev/null`): a checker's
    /// way to tell that a helper waits for input. Hosts leave it off.
    ///
    /// With `input`, stdin is a pipe that delivers `input` and then ends (for a tool that reads a
    /// secret from stdin, never from its arguments). The supervision loop writes it as the tool reads
    /// (the pipe is non-blocking), so any size works and a tool that never reads is stopped at the
    /// deadline like any other; the caller bounds the size (``HelperRunner/inputLimit``).
    static func spawn(
        _ path: String, arguments: [String] = [], environment: [String], probeStdin: Bool = false,
        input: [UInt8]? = nil
    ) -> Result<HelperSupervisor, SpawnError> {
        let stdinPipe = probeStdin || input != nil
        var pid: pid_t = 0
        var stdout: Int32 = -1
        var stderr: Int32 = -1
        var pidDescriptor: Int32 = -1
        var stdinWrite: Int32 = -1
        var rc: Int32 = 0
        for attempt in 0..<4 {
            rc = withCStringArray(arguments.isEmpty ? [] : [path] + arguments) { argv in
                withCStringArray(environment) { envp in
                    let argv = arguments.isEmpty ? nil : argv
                    return stdinPipe
                        ? credhelper_spawn(path, argv, envp, &pid, &stdout, &stderr, &pidDescriptor, &stdinWrite)
                        : credhelper_spawn(path, argv, envp, &pid, &stdout, &stderr, &pidDescriptor, nil)
                }
            }
            // ETXTBSY is transient: another thread's fork briefly held the file open for writing
            // (the helper was just written). Retry a few times before reporting it.
            guard rc == ETXTBSY else { break }
            usleep(UInt32(1000 << (2 * attempt)))
        }
        guard rc == 0 else { return .failure(SpawnError(code: rc)) }
        if input != nil { _ = fcntl(stdinWrite, F_SETFL, fcntl(stdinWrite, F_GETFL) | O_NONBLOCK) }
        return .success(
            HelperSupervisor(
                pid: pid, pidDescriptor: pidDescriptor, streams: (stdout, stderr), stdinWrite: stdinWrite,
                input: input))
    }

    /// Writes what the non-blocking pipe `descriptor` takes of `bytes` now: the count written, 0 when
    /// the pipe is full, -1 when the reader is gone (EPIPE) or the write failed. SIGPIPE is blocked
    /// around the write, and a pending one consumed, so that it cannot stop this process.
    fileprivate static func writeWithoutSIGPIPE(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Int {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        var written: Int
        repeat {
            written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { written = 0 } else if written < 0 { written = -1 }
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var received: Int32 = 0
            sigwait(&pipeSignal, &received)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return written
    }

    struct SpawnError: Error {
        let code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    private init(pid: pid_t, pidDescriptor: Int32, streams: (Int32, Int32), stdinWrite: Int32, input: [UInt8]?) {
        self.pid = pid
        self.pidDescriptor = pidDescriptor
        self.streams = streams
        self.stdinWrite = stdinWrite
        self.input = input
    }

    /// Asks the supervision loop to stop the helper as on a timeout. The loop notices within
    /// ``cancellationLatency``.
    func cancel() {
        cancelled.store(true, ordering: .sequentiallyConsistent)
    }

    /// The longest the loop sleeps before checking for cancellation.
    static let cancellationLatency: Duration = .milliseconds(50)

    /// Supervises the helper until it is done and reaped, closing every descriptor it opened.
    ///
    /// The first `inlineBudget` of supervision runs on the calling thread: a helper that answers from
    /// a cache finishes well within it, with no thread hand-off. A helper still running after that
    /// is supervised from a thread of its own, so a slow sign-in never holds a cooperative thread.
    func supervise(
        _ limits: Limits, inlineBudget: Duration, stderrObserver: (@Sendable ([UInt8]) -> Void)?
    ) async -> Report {
        let loop = LoopBox(Loop(supervisor: self, limits: limits, observer: stderrObserver))
        if let report = loop.loop.run(until: ContinuousClock.now + inlineBudget) { return finish(report) }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Report, Never>) in
            DetachedThread.start {
                guard let report = loop.loop.run(until: nil) else {
                    preconditionFailure("unbounded supervision ended early")
                }
                continuation.resume(returning: self.finish(report))
            }
        }
    }

    private func finish(_ report: Report) -> Report {
        for descriptor in [streams.stdout, streams.stderr, pidDescriptor] where descriptor >= 0 {
            close(descriptor)
        }
        return report
    }

    /// Hands the loop's state to the supervision thread; only one thread touches it at a time.
    private final class LoopBox: @unchecked Sendable {
        var loop: Loop
        init(_ loop: Loop) { self.loop = loop }
    }

    private struct Loop {
        let supervisor: HelperSupervisor
        let limits: Limits
        let observer: (@Sendable ([UInt8]) -> Void)?
        var open: [Bool] = [true, true]
        var report = Report(outcome: .timedOut)
        var status: Int32?
        var stopping = false
        let start = ContinuousClock.now
        var killAt: ContinuousClock.Instant?
        var drainUntil: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var stdinWrite: Int32
        /// How much of the supervisor's `input` is written so far.
        var inputWritten = 0

        init(supervisor: HelperSupervisor, limits: Limits, observer: (@Sendable ([UInt8]) -> Void)?) {
            self.supervisor = supervisor
            self.limits = limits
            self.observer = observer
            self.stdinWrite = supervisor.stdinWrite
        }

        /// Runs until the helper is done (the report) or until `pause` passes (nil; call again).
        mutating func run(until pause: ContinuousClock.Instant?) -> Report? {
            let deadline = start + limits.timeout
            while true {
                let now = ContinuousClock.now
                if let pause, now >= pause { return nil }
                if status == nil, !stopping, now >= deadline || supervisor.cancelled.load(ordering: .relaxed) {
                    stopping = true
                    report.outcome = supervisor.cancelled.load(ordering: .relaxed) ? .cancelled : .timedOut
                    signalGroup(SIGTERM)
                    killAt = now + limits.grace
                }
                if status == nil, let killAt, now >= killAt {
                    signalGroup(SIGKILL)
                    reap(blocking: true)
                }
                if let status {
                    if !stopping { report.outcome = Self.outcome(status) }
                    if !open[0] && !open[1] { break }
                    if drainUntil == nil { drainUntil = now + limits.drain }
                    if let drainUntil, now >= drainUntil {
                        report.leftBackgroundProcess = !stopping
                        break
                    }
                }
                let next = status != nil ? drainUntil : (stopping ? killAt : deadline)
                let readable = waitForEvents(until: [next, pause].compactMap { $0 }.min())
                if readable[2] { writeInput() }
                for index in 0..<2 where open[index] && readable[index] {
                    if readOnce(index) == false {
                        // Over the cap: kill the whole group now; the output is unusable anyway.
                        signalGroup(SIGKILL)
                        reap(blocking: true)
                        stopping = true
                        report.outcome = .outputTooLarge(index == 0 ? .stdout : .stderr)
                        open = [false, false]
                    }
                }
                if status == nil { reap(blocking: false) }
                probeStdin()
                if stopping, status != nil { break }
            }
            closeStdin()
            if stopping {
                // Members of the group that outlived the helper after a timeout, cancellation or
                // overflow go too. The group id stays reserved while any member is alive.
                signalGroup(SIGKILL)
            }
            return report
        }

        /// With `input`: writes what the pipe takes now; closes it when all is written (EOF for the
        /// reader) or the reader is gone.
        private mutating func writeInput() {
            guard let input = supervisor.input, stdinWrite >= 0 else { return }
            let written = HelperSupervisor.writeWithoutSIGPIPE(input[inputWritten...], to: stdinWrite)
            guard written >= 0 else {
                closeStdin()
                return
            }
            inputWritten += written
            if inputWritten == input.count { closeStdin() }
        }

        /// With stdin probing: when a process of the group is blocked in `read(0, …)`, note it and close
        /// the pipe so it gets EOF. With `input`, only closes it once the helper is done.
        private mutating func probeStdin() {
            guard stdinWrite >= 0 else { return }
            guard supervisor.input == nil else {
                if status != nil || stopping { closeStdin() }
                return
            }
            if status != nil || stopping {
                closeStdin()
            } else if GroupProcesses.anyBlockedReadingStdin(group: supervisor.pid, pipeWriteEnd: stdinWrite) {
                report.readStdin = true
                closeStdin()
            }
        }

        private mutating func closeStdin() {
            if stdinWrite >= 0 { close(stdinWrite) }
            stdinWrite = -1
        }

        /// Sleeps until a stream is readable, stdin can take more `input`, the helper exits, `instant`
        /// passes, or the polling cap passes (cancellation is checked at least every
        /// ``HelperSupervisor/cancellationLatency``; without a pidfd the exit is polled every 2 ms).
        /// Returns which of stdout, stderr are readable, and whether stdin is writable.
        private func waitForEvents(until instant: ContinuousClock.Instant?) -> [Bool] {
            let descriptors = [supervisor.streams.stdout, supervisor.streams.stderr]
            var polled: [pollfd] = (0..<2).map {
                open[$0]
                    ? pollfd(fd: descriptors[$0], events: Int16(POLLIN), revents: 0)
                    : pollfd(fd: -1, events: 0, revents: 0)
            }
            let writing = stdinWrite >= 0 && supervisor.input != nil
            polled.append(
                writing
                    ? pollfd(fd: stdinWrite, events: Int16(POLLOUT), revents: 0)
                    : pollfd(fd: -1, events: 0, revents: 0))
            let watchExit = status == nil && supervisor.pidDescriptor >= 0
            if watchExit { polled.append(pollfd(fd: supervisor.pidDescriptor, events: Int16(POLLIN), revents: 0)) }
            var cap = HelperSupervisor.cancellationLatency
            if status == nil && !watchExit { cap = .milliseconds(2) }
            if stdinWrite >= 0 && !writing { cap = min(cap, .milliseconds(10)) }
            var wait = cap
            if let instant { wait = max(.zero, min(cap, instant - ContinuousClock.now)) }
            let milliseconds = Int32(clamping: wait.wholeMilliseconds)
            if poll(&polled, nfds_t(polled.count), milliseconds + (wait > .zero ? 1 : 0)) <= 0 {
                return [false, false, false]
            }
            return [polled[0].revents != 0, polled[1].revents != 0, polled[2].revents != 0]
        }

        /// Reads once from stream `index`, which poll reported readable; false when the cap was passed.
        private mutating func readOnce(_ index: Int) -> Bool {
            let descriptor = index == 0 ? supervisor.streams.stdout : supervisor.streams.stderr
            var count: Int
            repeat {
                count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            } while count < 0 && errno == EINTR
            guard count > 0 else {
                open[index] = false
                return true
            }
            let chunk = buffer[..<count]
            let room = limits.outputLimit - (index == 0 ? report.stdout.count : report.stderr.count)
            if index == 0 {
                report.stdout += chunk.prefix(max(room, 0))
            } else {
                report.stderr += chunk.prefix(max(room, 0))
            }
            if count > room { return false }
            if index == 1 { observer?(Array(chunk)) }
            return true
        }

        private mutating func reap(blocking: Bool) {
            var raw: Int32 = 0
            while true {
                let rc = waitpid(supervisor.pid, &raw, blocking ? 0 : WNOHANG)
                if rc < 0 && errno == EINTR { continue }
                if rc == supervisor.pid { status = raw }
                return
            }
        }

        private func signalGroup(_ signal: Int32) {
            kill(-supervisor.pid, signal)
        }

        private static func outcome(_ status: Int32) -> HelperRun.Outcome {
            let signal = status & 0x7F
            return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStringArray<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
