#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The decisions of supervising one spawned child, free of I/O: when to signal its group, read its
/// output, write its stdin, reap it and stop. The ``Supervisor`` asks for the next action, performs
/// it, and reports what happened; tests drive the machine alone with a fake clock.
///
/// One round: check the timers (timeout → teardown steps → `SIGKILL` and a blocking reap; after the
/// exit, the drain period), wait for an event, write stdin, read each readable stream (past the cap:
/// `SIGKILL` to the group), reap without blocking once the wait saw the exit (every round without a
/// pidfd), probe or close stdin. The run ends when the child
/// is reaped and both streams are closed, when the drain period after the exit passes (something it
/// started holds its output), or when it was stopped and reaped; the group then gets a last `SIGKILL`
/// if the run stopped it (members that outlived it go too).
struct SupervisionStateMachine {
    typealias Instant = ContinuousClock.Instant

    /// What the machine needs to know about the run.
    struct Limits: Equatable {
        var outputLimit: Int
        var timeout: Duration
        var teardown: TeardownPolicy
        /// How long to keep reading after the child exited, for output still in flight.
        var drain: Duration
    }

    /// What the supervisor waits for.
    struct Wait: Equatable {
        /// Which of stdout, stderr to watch for reading.
        var read: [Bool]
        /// Whether to watch stdin for writing.
        var write: Bool
        /// Whether to watch the exit (the pidfd).
        var exit: Bool
        /// The next timer, if any.
        var until: Instant?
        /// The longest the wait may last (exit polling without a pidfd, stdin probing, cancellation).
        var cap: Duration
    }

    enum Action: Equatable {
        /// Send this signal to the child's process group.
        case signalGroup(Int32)
        /// `waitpid` the child, blocking or not; report with ``reaped(_:)``.
        case reap(blocking: Bool)
        /// Wait for an event; report with ``waited(readable:writable:)``.
        case wait(Wait)
        /// Write these bytes to the stdin pipe (non-blocking); report with ``wrote(_:)``.
        case write(ArraySlice<UInt8>)
        /// Read once from this stream; report with ``read(_:_:)``.
        case read(ChildProcessRun.OutputStream)
        /// Hand this chunk of stderr to the observer.
        case observeStderr([UInt8])
        /// Ask whether a process of the group is blocked reading stdin; report with ``probed(blocked:)``.
        case probeStdin
        /// Close the stdin pipe.
        case closeStdin
        /// The pause set in ``pause`` passed, between two rounds: call again later to go on.
        case pause
        /// The run is over.
        case finish(ChildProcessRun)
    }

    private enum Step: Equatable {
        case timers
        case service
        case finishing
    }

    private enum Input: Equatable {
        /// `/dev/null`, or a pipe that is closed now.
        case none
        /// An empty pipe held open until a reader is seen.
        case probing
        /// A pipe being fed: `written` bytes of `bytes` so far.
        case feeding(bytes: [UInt8], written: Int)
        /// A pipe to close now: all was written, the reader is gone, or the probe saw a reader.
        case closeDue
    }

    let limits: Limits
    let start: Instant
    /// Whether the supervisor can watch the exit (a pidfd); without one the exit is polled.
    let watchesExit: Bool
    private var step = Step.timers
    private var report = ChildProcessRun(outcome: .timedOut)
    private var status: Int32?
    private var stopping = false
    private var open = [true, true]
    private var input: Input
    /// The teardown step whose signal was sent last, and when the next one is due.
    private var teardownStep = -1
    private var nextTeardownAt: Instant?
    /// A `SIGKILL` was sent: a blocking reap is due.
    private var reapDue = false
    private var drainUntil: Instant?
    /// What the last wait found, still to be served this round.
    private var readable = [false, false]
    private var writable = false
    private var reapedThisRound = false
    /// The last wait saw the exit: with a pidfd, only then is a reap worth a system call.
    private var exitSeen = false
    private var probedThisRound = false
    private var pendingStderr: [UInt8]?
    /// The output cap was passed: `SIGKILL` is owed before the blocking reap.
    private var overflowKillDue = false
    private var finalKillSent = false
    /// The child's status was taken elsewhere (see ``statusLost()``).
    private var lost = false
    /// When to hand back control between rounds (``Action/pause``); nil: never.
    var pause: Instant?

    init(limits: Limits, start: Instant, standardInput: StandardInput, watchesExit: Bool) {
        self.limits = limits
        self.start = start
        self.watchesExit = watchesExit
        switch standardInput {
        case .null: input = .none
        case .probe: input = .probing
        case .bytes(let bytes): input = .feeding(bytes: bytes, written: 0)
        }
    }

    /// The longest a wait lasts before the supervisor checks for cancellation.
    static let cancellationLatency: Duration = .milliseconds(50)

    /// The next thing to do at `now`; `cancelled` is whether the caller asked to stop the child.
    mutating func nextAction(now: Instant, cancelled: Bool) -> Action {
        switch step {
        case .timers: return timers(now: now, cancelled: cancelled)
        case .service:
            if let action = service() { return action }
            step = .timers
            return timers(now: now, cancelled: cancelled)
        case .finishing: return finishing()
        }
    }

    private mutating func timers(now: Instant, cancelled: Bool) -> Action {
        if reapDue { return .reap(blocking: true) }
        if let pause, now >= pause { return .pause }
        let deadline = start + limits.timeout
        if status == nil, !stopping, now >= deadline || cancelled {
            stopping = true
            report.outcome = cancelled ? .cancelled : .timedOut
            return nextTeardownSignal(now: now)
        }
        if status == nil, let nextTeardownAt, now >= nextTeardownAt {
            return nextTeardownSignal(now: now)
        }
        if let status {
            if !stopping { report.outcome = lost ? .statusLost : ChildProcessRun.outcome(waitStatus: status) }
            if !open[0] && !open[1] { return beginFinishing() }
            if drainUntil == nil { drainUntil = now + limits.drain }
            if let drainUntil, now >= drainUntil {
                report.leftBackgroundProcess = !stopping
                return beginFinishing()
            }
        }
        step = .service
        readable = [false, false]
        writable = false
        reapedThisRound = false
        probedThisRound = false
        let timer = status != nil ? drainUntil : (stopping ? nextTeardownAt : deadline)
        let next = [timer, pause].compactMap { $0 }.min()
        let feeding = if case .feeding = input { true } else { false }
        var cap = Self.cancellationLatency
        if status == nil && !watchesExit { cap = .milliseconds(2) }
        if input == .probing { cap = min(cap, .milliseconds(10)) }
        return .wait(Wait(read: open, write: feeding, exit: status == nil && watchesExit, until: next, cap: cap))
    }

    /// Sends the next teardown step's signal, or `SIGKILL` (and a blocking reap) after the last.
    private mutating func nextTeardownSignal(now: Instant) -> Action {
        teardownStep += 1
        guard teardownStep < limits.teardown.steps.count else {
            nextTeardownAt = nil
            reapDue = true
            return .signalGroup(SIGKILL)
        }
        let teardown = limits.teardown.steps[teardownStep]
        nextTeardownAt = now + teardown.allowing
        return .signalGroup(teardown.signal)
    }

    /// Reports the wait's result: which streams are readable, whether stdin takes more, and whether
    /// the exit was seen (the pidfd is readable; without one the exit is polled every round).
    mutating func waited(readable: [Bool], writable: Bool, exited: Bool) {
        self.readable = readable
        self.writable = writable
        self.exitSeen = exited
    }

    /// The next action of this round after the wait, or nil when the round is over.
    private mutating func service() -> Action? {
        if overflowKillDue {
            overflowKillDue = false
            return .signalGroup(SIGKILL)
        }
        if reapDue { return .reap(blocking: true) }
        if let chunk = pendingStderr {
            pendingStderr = nil
            return .observeStderr(chunk)
        }
        if writable {
            writable = false
            if case .feeding(let bytes, let written) = input { return .write(bytes[written...]) }
        }
        if input == .closeDue { return closeStdin() }
        for index in 0..<2 where open[index] && readable[index] {
            readable[index] = false
            return .read(index == 0 ? .stdout : .stderr)
        }
        if status == nil && !reapedThisRound && (exitSeen || !watchesExit) {
            reapedThisRound = true
            return .reap(blocking: false)
        }
        switch input {
        case .none, .closeDue: break
        case .feeding:
            if status != nil || stopping { return closeStdin() }
        case .probing:
            if status != nil || stopping { return closeStdin() }
            if !probedThisRound {
                probedThisRound = true
                return .probeStdin
            }
        }
        if stopping, status != nil { return beginFinishing() }
        return nil
    }

    /// Reports how much of the last ``Action/write(_:)`` the pipe took: a count, 0 when full, -1 when
    /// the reader is gone or the write failed.
    mutating func wrote(_ count: Int) {
        guard case .feeding(let bytes, let written) = input else { return }
        input =
            count < 0 || written + count >= bytes.count ? .closeDue : .feeding(bytes: bytes, written: written + count)
    }

    /// Reports one read from `stream`: the bytes, empty at end of file (or a read error).
    mutating func read(_ stream: ChildProcessRun.OutputStream, _ chunk: ArraySlice<UInt8>) {
        let index = stream == .stdout ? 0 : 1
        guard !chunk.isEmpty else {
            open[index] = false
            return
        }
        let room = limits.outputLimit - (index == 0 ? report.stdout.count : report.stderr.count)
        if index == 0 {
            report.stdout += chunk.prefix(max(room, 0))
        } else {
            report.stderr += chunk.prefix(max(room, 0))
        }
        guard chunk.count <= room else {
            // Over the cap: kill the whole group now; the output is unusable anyway.
            stopping = true
            report.outcome = .outputTooLarge(stream)
            open = [false, false]
            overflowKillDue = true
            reapDue = true
            return
        }
        if index == 1 { pendingStderr = Array(chunk) }
    }

    /// Reports a `waitpid`: the status when the child was reaped, nil when it is still running.
    mutating func reaped(_ status: Int32?) {
        reapDue = false
        if let status { self.status = status }
    }

    /// Reports a `waitpid` that found no such child (`ECHILD`): it is gone and its status was taken
    /// elsewhere. The run goes on as after an exit (reading what is left, then the end) instead of
    /// waiting for an exit it can no longer see.
    mutating func statusLost() {
        reapDue = false
        lost = true
        status = 0
    }

    /// Reports the stdin probe: whether a process of the group is blocked reading stdin.
    mutating func probed(blocked: Bool) {
        guard blocked else { return }
        report.readStdin = true
        input = .closeDue
    }

    private mutating func closeStdin() -> Action {
        input = .none
        return .closeStdin
    }

    private mutating func beginFinishing() -> Action {
        step = .finishing
        return finishing()
    }

    private mutating func finishing() -> Action {
        if input != .none { return closeStdin() }
        if stopping && !finalKillSent {
            // Members of the group that outlived the child after a teardown or overflow go too. The
            // group id stays reserved while any member is alive.
            finalKillSent = true
            return .signalGroup(SIGKILL)
        }
        return .finish(report)
    }
}
