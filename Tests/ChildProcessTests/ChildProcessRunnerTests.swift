import Synchronization
import Testing

@testable import ChildProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The runner with real children: what it adds to the state machine (the teardown reaching the whole
/// group, typed start failures, the environment exactly as given). The host's policy on top is
/// tested in CredentialHelperHostTests (HelperRunnerTests).
@Suite("Child-process runner: real children")
struct ChildProcessRunnerTests {
    let runner = ChildProcessRunner(outputLimit: 64 * 1024, teardown: .gracefulShutDown(allowing: .seconds(1)))

    @Test("a teardown of two steps: a child that ignores the first signal ends at the second")
    func teardownSteps() async throws {
        let policy = TeardownPolicy([
            .send(SIGINT, allowing: .milliseconds(300)), .send(SIGTERM, allowing: .seconds(5)),
        ])
        let stepped = ChildProcessRunner(outputLimit: 1024, teardown: policy)
        // Ignores SIGINT, reports SIGTERM on stdout and exits.
        let script = "trap '' INT; trap 'echo term; exit 0' TERM; echo ready; while :; do sleep 0.05; done"
        let run = try await stepped.run(
            "/bin/sh", arguments: ["-c", script], environment: [], timeout: .milliseconds(300))
        #expect(run.outcome == .timedOut)
        #expect(String(decoding: run.stdout, as: UTF8.self) == "ready\nterm\n")
        #expect(run.elapsed < .seconds(3), "the second step did not end it: \(run.elapsed)")
    }

    @Test("the environment is exactly the entries given, nothing inherited")
    func environment() async throws {
        let run = try await runner.run(
            "/usr/bin/env", environment: ["ONLY=this"], timeout: .seconds(5))
        #expect(run.outcome == .exited(0))
        #expect(String(decoding: run.stdout, as: UTF8.self) == "ONLY=this\n")
    }

    @Test("an environment built once is given exactly, run after run")
    func reusedEnvironment() async throws {
        let environment = ChildEnvironment(["ONE=1", "TWO=a=b", "EMPTY="])
        for _ in 0..<3 {
            let run = try await runner.run("/usr/bin/env", environment: environment, timeout: .seconds(5))
            #expect(String(decoding: run.stdout, as: UTF8.self) == "ONE=1\nTWO=a=b\nEMPTY=\n")
        }
        let none = try await runner.run("/usr/bin/env", environment: ChildEnvironment([]), timeout: .seconds(5))
        #expect(none.outcome == .exited(0) && none.stdout.isEmpty)
    }

    @Test("a program that cannot start is a typed error with its errno; too much input is refused before")
    func startFailures() async throws {
        let missing = await #expect(throws: ChildProcessError.self) {
            _ = try await runner.run("/nonexistent/tool", environment: [], timeout: .seconds(1))
        }
        #expect(missing?.code == .spawnFailed && missing?.errno == ENOENT, "\(String(describing: missing))")
        let large = await #expect(throws: ChildProcessError.self) {
            _ = try await runner.run(
                "/nonexistent/tool", environment: [],
                standardInput: .bytes([UInt8](repeating: 0, count: ChildProcessRunner.inputLimit + 1)),
                timeout: .seconds(1))
        }
        #expect(large?.code == .inputTooLarge, "\(String(describing: large))")
    }

    @Test("cancelling the awaiting task tears the child down, with the cancelled outcome")
    func cancellation() async throws {
        let task = Task {
            try await runner.run("/bin/sleep", arguments: ["30"], environment: [], timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let run = try await task.value
        #expect(run.outcome == .cancelled)
        // The failure this guards against is the child running its 30 s; a fresh-clone CI run on a
        // loaded machine took 5.96 s to tear down, so the bound leaves room for load.
        #expect(run.elapsed < .seconds(15))
    }
}

/// `SIGCHLD` on the spawning thread (see `ChildExitSignal`).
@Suite("Child-process runner: SIGCHLD")
struct ChildExitSignalTests {
    static let childSignalBit: UInt64 = 1 << (UInt64(SIGCHLD) - 1)

    /// This thread's id, from `/proc/thread-self` (`PID/task/TID`).
    static func threadID() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        let link = String(decoding: buffer.prefix(max(count, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(link.split(separator: "/").last ?? "")
    }

    /// Whether this thread blocks `SIGCHLD` now.
    static func blocksChildSignal() -> Bool {
        var current = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &current)
        return sigismember(&current, SIGCHLD) == 1
    }

    @Test("while a thread that blocks SIGCHLD spawns and supervises a child, SIGCHLD is unblocked there")
    func unblockedWhileSupervising() throws {
        // Synchronous, so the spawn happens on this very thread (an await could resume elsewhere).
        // Swift concurrency's threads block every signal; block SIGCHLD here in any case.
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &childSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        // The whole run is supervised inline, however slow the machine is. The child reads the
        // signal mask of the thread that spawned it (its parent's task, this thread), but only once
        // that thread drained 70,000 bytes from it: more than a pipe holds, so the thread is in the
        // supervision loop by then, past posix_spawn, which blocks every signal while it runs.
        let runner = ChildProcessRunner(
            outputLimit: 1 << 20, teardown: .gracefulShutDown(allowing: .seconds(1)), inlineBudget: .seconds(30))
        let stage = runner.startInline(
            "/bin/sh",
            arguments: ["-c", "head -c 70000 /dev/zero && grep SigBlk /proc/$PPID/task/$SPAWNER/status"],
            environment: ChildEnvironment(["SPAWNER=\(Self.threadID())"]), standardInput: .null,
            timeout: .seconds(30), stderrObserver: nil)
        guard case .supervised(.finished(let run)) = stage else {
            Issue.record("the run did not finish inline: \(stage)")
            return
        }
        #expect(run.stdout.prefix(70_000).allSatisfy { $0 == 0 } && run.stdout.count > 70_000)
        let line = String(decoding: run.stdout.dropFirst(70_000), as: UTF8.self)
        let mask = line.split(separator: "\t").last.flatMap { UInt64($0.trimmingPrefix(" ").prefix(16), radix: 16) }
        #expect(run.outcome == .exited(0), "\(line)")
        #expect(mask.map { $0 & Self.childSignalBit == 0 } == true, "SIGCHLD blocked while supervising: \(line)")
        #expect(Self.blocksChildSignal(), "the thread's own mask is restored afterwards")
    }

    @Test("the mask is restored after the body, whether SIGCHLD was blocked before or not")
    func restored() {
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        var previous = sigset_t()
        for blockedBefore in [true, false] {
            pthread_sigmask(blockedBefore ? SIG_BLOCK : SIG_UNBLOCK, &childSignal, &previous)
            let inside = ChildExitSignal.unblocked { Self.blocksChildSignal() }
            #expect(!inside, "SIGCHLD is unblocked inside")
            #expect(Self.blocksChildSignal() == blockedBefore, "restored to \(blockedBefore ? "blocked" : "unblocked")")
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
    }
}
