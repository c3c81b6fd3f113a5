import Subprocess
import SystemPackage
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("The embedding example against a real HTTP upstream", .timeLimit(.minutes(1)))
struct EmbeddingExampleTests {
    static let repository = String(#filePath.split(separator: "/Tests/").first.map { String($0) } ?? "")

    @Test("session start, 401, mid-session refresh, retry succeeds")
    func refreshFlow() async throws {
        let scripts = HelperScripts()
        let example = BuiltBinary.path.replacing("/credhelper", with: "/credhelper-embedding-example")
        let upstream = Self.repository + "/Examples/embedding/upstream.py"
        let helper = Self.repository + "/Examples/embedding/rotating-helper.sh"
        let result = try await Subprocess.run(
            .name("python3"), arguments: [upstream],
            input: .none, output: .sequence, error: .discarded
        ) { execution in
            var port = ""
            for try await line in execution.standardOutput.strings() {
                port = line.filter(\.isNumber)
                break
            }
            let run = try await Subprocess.run(
                .path(FilePath(example)), arguments: [helper, "http://127.0.0.1:\(port)/v1/messages"],
                environment: .inherit.updating(["TMPDIR": scripts.directory]),
                output: .string(limit: 1 << 16), error: .string(limit: 1 << 16))
            try execution.send(signal: .terminate)
            return run
        }
        let run = result.closureResult
        #expect(run.terminationStatus.isSuccess, "\(run.standardError ?? "")")
        let lines = (run.standardOutput ?? "").split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "session started; token demo… from the interactive context",
                "request with token demo… (interactive) -> 401",
                "request with token demo… (mid-session-refresh) -> 200",
                "final status 200",
            ])
    }

    @Test("an embedding app that ignores SIGCHLD gets the lost-status error at once, not a hang or a success")
    func ignoredChildSignal() async throws {
        let scripts = HelperScripts()
        let helper = scripts.script("bare.sh", "echo tok-0123456789abcdef")
        let example = BuiltBinary.path.replacing("/credhelper", with: "/credhelper-embedding-example")
        // SIG_IGN survives exec: python sets it, then becomes the example (which, unlike credhelper,
        // leaves SIGCHLD as it finds it). No upstream is needed: the session's first run fails.
        let setsIgnored =
            "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
        let started = ContinuousClock.now
        let result = try await ProgramRun.run(
            "/usr/bin/python3", ["-c", setsIgnored, example, helper, "http://127.0.0.1:9/v1/messages"])
        #expect(result.status != 0)
        #expect(result.stdout.contains("exit status was lost"), "\(result.stdout)\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20), "it took \(ContinuousClock.now - started)")
    }
}
