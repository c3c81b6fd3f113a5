import Testing

@testable import ChildProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The supervision loop's decisions without a process: a fake clock, events fed by hand.
@Suite("Supervision state machine")
struct SupervisionStateMachineTests {
    let start = ContinuousClock.now

    func machine(
        input: StandardInput = .null, outputLimit: Int = 8, timeout: Duration = .seconds(10),
        teardown: TeardownPolicy = .gracefulShutDown(allowing: .seconds(1)), watchesExit: Bool = true
    ) -> SupervisionStateMachine {
        SupervisionStateMachine(
            limits: .init(outputLimit: outputLimit, timeout: timeout, teardown: teardown, drain: .milliseconds(100)),
            start: start, standardInput: input, watchesExit: watchesExit)
    }

    /// Runs one round with nothing ready: the wait, which saw no exit, so nothing is reaped.
    func quietRound(_ machine: inout SupervisionStateMachine, at now: ContinuousClock.Instant) {
        guard case .wait = machine.nextAction(now: now, cancelled: false) else {
            Issue.record("no wait at the start of a round")
            return
        }
        machine.waited(readable: [false, false], writable: false, exited: false)
    }

    @Test("a child that prints and exits: wait, read, reap, end of file on both, finish with its output")
    func normalExit() {
        var machine = machine()
        guard case .wait(let wait) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait")
            return
        }
        #expect(wait.read == [true, true] && !wait.write && wait.exit && wait.until == start + .seconds(10))
        machine.waited(readable: [true, false], writable: false, exited: true)
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stdout))
        machine.read(.stdout, [0x74, 0x6F, 0x6B])
        #expect(machine.nextAction(now: start, cancelled: false) == .reap(blocking: false))
        machine.reaped(0)
        guard case .wait(let drain) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait for the rest of the output")
            return
        }
        #expect(!drain.exit && drain.until == start + .milliseconds(100), "the drain period starts at the exit")
        machine.waited(readable: [true, true], writable: false, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stdout))
        machine.read(.stdout, [])
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stderr))
        machine.read(.stderr, [])
        guard case .finish(let run) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected the end")
            return
        }
        #expect(run.outcome == .exited(0) && run.stdout == [0x74, 0x6F, 0x6B] && !run.leftBackgroundProcess)
    }

    @Test("timeout: SIGTERM to the group, SIGKILL after the grace, a blocking reap, a last SIGKILL for stragglers")
    func timeoutTeardown() {
        var machine = machine(timeout: .seconds(2))
        quietRound(&machine, at: start)
        let late = start + .seconds(2)
        #expect(machine.nextAction(now: late, cancelled: false) == .signalGroup(SIGTERM))
        guard case .wait(let wait) = machine.nextAction(now: late, cancelled: false) else {
            Issue.record("expected a wait through the grace period")
            return
        }
        #expect(wait.until == late + .seconds(1), "the wait ends when the grace ends")
        machine.waited(readable: [false, false], writable: false, exited: false)
        let afterGrace = late + .seconds(1)
        #expect(machine.nextAction(now: afterGrace, cancelled: false) == .signalGroup(SIGKILL))
        #expect(machine.nextAction(now: afterGrace, cancelled: false) == .reap(blocking: true))
        machine.reaped(9)
        guard case .wait = machine.nextAction(now: afterGrace, cancelled: false) else {
            Issue.record("expected a last wait")
            return
        }
        machine.waited(readable: [false, false], writable: false, exited: false)
        #expect(machine.nextAction(now: afterGrace, cancelled: false) == .signalGroup(SIGKILL))
        guard case .finish(let run) = machine.nextAction(now: afterGrace, cancelled: false) else {
            Issue.record("expected the end")
            return
        }
        #expect(run.outcome == .timedOut, "the kill of a timed-out child is a timeout, not a signal: \(run.outcome)")
    }

    @Test("a teardown of several steps sends each signal in turn before SIGKILL")
    func teardownSteps() {
        let steps = TeardownPolicy([.send(SIGINT, allowing: .seconds(1)), .send(SIGTERM, allowing: .seconds(1))])
        var machine = machine(timeout: .seconds(1), teardown: steps)
        var sent: [Int32] = []
        var now = start + .seconds(1)
        for _ in 0..<12 {
            switch machine.nextAction(now: now, cancelled: false) {
            case .signalGroup(let signal): sent.append(signal)
            case .wait:
                machine.waited(readable: [false, false], writable: false, exited: false)
                now += .seconds(1)
            case .reap(let blocking): machine.reaped(blocking ? 9 : nil)
            default: break
            }
        }
        #expect(sent == [SIGINT, SIGTERM, SIGKILL, SIGKILL], "\(sent)")
    }

    @Test("cancellation stops the child as a timeout does, with its own outcome")
    func cancellation() {
        var machine = machine()
        quietRound(&machine, at: start)
        #expect(machine.nextAction(now: start, cancelled: true) == .signalGroup(SIGTERM))
        var outcome: ChildProcessRun.Outcome?
        for _ in 0..<10 {
            switch machine.nextAction(now: start, cancelled: true) {
            case .wait: machine.waited(readable: [false, false], writable: false, exited: true)
            case .reap: machine.reaped(15)
            case .finish(let run): outcome = run.outcome
            default: break
            }
            if outcome != nil { break }
        }
        #expect(outcome == .cancelled)
    }

    @Test("output past the cap: the captured part is kept, the group is killed at once and reaped")
    func outputCap() {
        var machine = machine(outputLimit: 4)
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [false, true], writable: false, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stderr))
        machine.read(.stderr, ArraySlice(Array("abcdef".utf8)))
        #expect(machine.nextAction(now: start, cancelled: false) == .signalGroup(SIGKILL))
        #expect(machine.nextAction(now: start, cancelled: false) == .reap(blocking: true))
        machine.reaped(9)
        #expect(machine.nextAction(now: start, cancelled: false) == .signalGroup(SIGKILL))
        guard case .finish(let run) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected the end")
            return
        }
        #expect(run.outcome == .outputTooLarge(.stderr) && run.stderr == Array("abcd".utf8))
    }

    @Test("stderr chunks under the cap go to the observer, stdout never does")
    func observer() {
        var machine = machine()
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [true, true], writable: false, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stdout))
        machine.read(.stdout, [1, 2])
        #expect(machine.nextAction(now: start, cancelled: false) == .read(.stderr))
        machine.read(.stderr, [3, 4])
        #expect(machine.nextAction(now: start, cancelled: false) == .observeStderr([3, 4]))
    }

    @Test("an exited child whose output stays open (a background process) is left after the drain period")
    func backgroundProcess() {
        var machine = machine()
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [false, false], writable: false, exited: true)
        #expect(machine.nextAction(now: start, cancelled: false) == .reap(blocking: false))
        machine.reaped(0)
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [false, false], writable: false, exited: false)
        guard case .finish(let run) = machine.nextAction(now: start + .milliseconds(100), cancelled: false) else {
            Issue.record("expected the end after the drain period")
            return
        }
        #expect(run.outcome == .exited(0) && run.leftBackgroundProcess)
    }

    @Test("input is written as the pipe takes it, then stdin closes (end of file)")
    func inputFeeding() {
        var machine = machine(input: .bytes([1, 2, 3, 4]))
        guard case .wait(let wait) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait")
            return
        }
        #expect(wait.write, "stdin is watched while there is input left")
        machine.waited(readable: [false, false], writable: true, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .write([1, 2, 3, 4]))
        machine.wrote(3)
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [false, false], writable: true, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .write([4]))
        machine.wrote(1)
        #expect(machine.nextAction(now: start, cancelled: false) == .closeStdin)
    }

    @Test("a reader gone from stdin closes the pipe; the run goes on")
    func inputReaderGone() {
        var machine = machine(input: .bytes([1, 2]))
        _ = machine.nextAction(now: start, cancelled: false)
        machine.waited(readable: [false, false], writable: true, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .write([1, 2]))
        machine.wrote(-1)
        #expect(machine.nextAction(now: start, cancelled: false) == .closeStdin)
        guard case .wait = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected the run to go on")
            return
        }
    }

    @Test("stdin probing: a blocked reader is noted and gets end of file; the wait is capped at 10 ms")
    func probe() {
        var machine = machine(input: .probe)
        guard case .wait(let wait) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait")
            return
        }
        #expect(wait.cap == .milliseconds(10) && !wait.write)
        machine.waited(readable: [false, false], writable: false, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .probeStdin)
        machine.probed(blocked: true)
        #expect(machine.nextAction(now: start, cancelled: false) == .closeStdin)
        machine.reaped(0)
        var readStdin = false
        for _ in 0..<6 {
            switch machine.nextAction(now: start, cancelled: false) {
            case .wait: machine.waited(readable: [true, true], writable: false, exited: false)
            case .read(let stream): machine.read(stream, [])
            case .finish(let run): readStdin = run.readStdin
            default: break
            }
        }
        #expect(readStdin)
    }

    @Test("without a pidfd the exit is polled every 2 ms, with a reap every round")
    func noPidDescriptor() {
        var machine = machine(watchesExit: false)
        guard case .wait(let wait) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait")
            return
        }
        #expect(!wait.exit && wait.cap == .milliseconds(2))
        machine.waited(readable: [false, false], writable: false, exited: false)
        #expect(machine.nextAction(now: start, cancelled: false) == .reap(blocking: false))
    }

    @Test("with a pidfd, waitpid runs only once a wait saw the exit: output alone reaps nothing")
    func reapOnlyOnExit() {
        var machine = machine()
        var reaps = 0
        var waits = 0
        var finished: ChildProcessRun?
        var now = start
        for _ in 0..<20 where finished == nil {
            let action = machine.nextAction(now: now, cancelled: false)
            switch action {
            case .wait(let wait):
                waits += 1
                #expect(wait.exit == (waits <= 4), "the exit is watched until the child is reaped")
                // Waits 1-3: output while the child runs; 4: the exit; 5: end of file on both streams.
                machine.waited(readable: [waits != 4, waits == 5], writable: false, exited: waits == 4)
                now += .milliseconds(1)
            case .read(let stream): machine.read(stream, waits == 5 ? [] : [0x61])
            case .reap(blocking: false):
                reaps += 1
                machine.reaped(waits == 4 ? 0 : nil)
            case .finish(let run): finished = run
            default: Issue.record("unexpected action \(action)")
            }
        }
        #expect(reaps == 1, "one waitpid, after the exit was seen: \(reaps)")
        #expect(finished?.outcome == .exited(0) && finished?.stdout == [0x61, 0x61, 0x61])
    }

    @Test("a child whose status was taken elsewhere (ECHILD) ends the run as statusLost, its output kept")
    func lostStatus() {
        var machine = machine()
        var finished: ChildProcessRun?
        var waits = 0
        for _ in 0..<12 where finished == nil {
            let action = machine.nextAction(now: start, cancelled: false)
            switch action {
            case .wait:
                waits += 1
                // The exit is seen with output ready; then both streams reach end of file.
                machine.waited(readable: [true, waits > 1], writable: false, exited: waits == 1)
            case .read(let stream): machine.read(stream, waits == 1 ? [0x61] : [])
            case .reap: machine.statusLost()
            case .finish(let run): finished = run
            default: Issue.record("unexpected action \(action)")
            }
        }
        #expect(finished?.outcome == .statusLost && finished?.stdout == [0x61], "\(String(describing: finished))")
    }

    @Test("the pause hands control back between rounds only, and the wait never outlasts it")
    func pause() {
        var machine = machine()
        machine.pause = start + .milliseconds(5)
        guard case .wait(let wait) = machine.nextAction(now: start, cancelled: false) else {
            Issue.record("expected a wait")
            return
        }
        #expect(wait.until == start + .milliseconds(5))
        machine.waited(readable: [true, false], writable: false, exited: false)
        let later = start + .milliseconds(6)
        #expect(machine.nextAction(now: later, cancelled: false) == .read(.stdout), "a round is finished first")
        machine.read(.stdout, [1])
        #expect(machine.nextAction(now: later, cancelled: false) == .pause)
        machine.pause = nil
        guard case .wait = machine.nextAction(now: later, cancelled: false) else {
            Issue.record("expected the run to go on")
            return
        }
    }
}
