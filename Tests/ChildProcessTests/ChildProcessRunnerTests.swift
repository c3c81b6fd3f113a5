import ChildProcess
import Synchronization
import Testing

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
