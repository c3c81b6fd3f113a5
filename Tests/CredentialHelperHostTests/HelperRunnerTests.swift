import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Helper runner: real child processes", .timeLimit(.minutes(1)))
struct HelperRunnerTests {
    let scripts = HelperScripts()
    let runner = HelperRunner(environment: ["PATH": "/usr/bin:/bin", "CLAUDE_HELPER_MANUAL_RUN": "1", "KEEP": "me"])

    @Test("every context is passed; the legacy variable only for setup-test", arguments: HelperContext.allCases)
    func contexts(context: HelperContext) async throws {
        let helper = scripts.script(
            "env.sh", "echo \"ctx=$CLAUDE_HELPER_CONTEXT,manual=${CLAUDE_HELPER_MANUAL_RUN-unset},argc=$#,keep=$KEEP\"")
        let run = try await runner.run(helper, context: context, timeout: .seconds(10))
        let manual = context == .setupTest ? "1" : "unset"
        #expect(try run.answer().token.reveal() == "ctx=\(context.rawValue),manual=\(manual),argc=0,keep=me")
    }

    @Test("one runner, every context at once: each run gets its own context (environments are built once)")
    func contextsConcurrently() async throws {
        let helper = scripts.script("ctx.sh", "echo \"ctx=$CLAUDE_HELPER_CONTEXT,keep=$KEEP\"")
        let runner = self.runner
        let answers = try await withThrowingTaskGroup(of: (HelperContext, String).self) { group in
            for context in HelperContext.allCases + HelperContext.allCases {
                group.addTask {
                    let run = try await runner.run(helper, context: context, timeout: .seconds(10))
                    return (context, try run.answer().token.reveal())
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 2 * HelperContext.allCases.count)
        for (context, answer) in answers { #expect(answer == "ctx=\(context.rawValue),keep=me") }
    }

    @Test("stdin is at EOF, not a hang, and there is no controlling terminal")
    func stdinAndTerminal() async throws {
        let helper = scripts.script(
            "stdin.sh",
            """
            if read line; then r=got-input; else r=stdin-eof; fi
            cat > /dev/null
            if (exec < /dev/tty) 2>/dev/null; then t=has-tty; else t=no-tty; fi
            set -- $(cat /proc/$$/stat)
            [ "$1" = "$5" ] && [ "$1" = "$6" ] && g=own-session || g=shared-session
            echo "$r,$t,$g"
            """)
        let run = try await runner.run(helper, context: .background, timeout: .seconds(10))
        #expect(try run.answer().token.reveal() == "stdin-eof,no-tty,own-session")
    }

    @Test("input reaches a tool's stdin, then EOF; a tool that exits without reading it does not stop the host")
    func inputOnStdin() async throws {
        let reader = scripts.script("reader.sh", "printf '%s' \"$(cat)\" | wc -c; echo done")
        let secret = Array(String(repeating: "s", count: 16 * 1024).utf8)
        let run = try await runner.run(reader, context: .background, timeout: .seconds(10), input: secret)
        #expect(String(decoding: run.stdout, as: UTF8.self) == "16384\ndone\n")
        // A tool that closes stdin and exits at once: the write may meet a closed pipe (EPIPE),
        // which must not raise SIGPIPE in this process.
        let closer = scripts.script("closer.sh", "exec 0<&-; exit 3")
        for _ in 0..<20 {
            let closed = try await runner.run(closer, context: .background, timeout: .seconds(10), input: secret)
            #expect(closed.outcome == .exited(3))
        }
    }

    @Test("input larger than a pipe's buffer is streamed as the tool reads it, all of it, then EOF")
    func largeInputIsStreamed() async throws {
        let reader = scripts.script("reader.sh", "wc -c; echo done")
        let input = (0..<(300 * 1024)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let run = try await runner.run(reader, context: .background, timeout: .seconds(10), input: input)
        #expect(run.outcome == .exited(0))
        #expect(String(decoding: run.stdout, as: UTF8.self) == "307200\ndone\n")
        // A tool that reads slowly still gets every byte (the loop writes as the pipe drains).
        let slow = scripts.script("slow.sh", "sleep 0.3; wc -c")
        let slowRun = try await runner.run(slow, context: .background, timeout: .seconds(10), input: input)
        #expect(String(decoding: slowRun.stdout, as: UTF8.self) == "307200\n")
    }

    @Test("a tool that never reads its 1 MiB of input is stopped at the timeout, not waited on")
    func unreadInputDoesNotHang() async throws {
        let sleeper = scripts.script("sleeper.sh", "exec sleep 30")
        let input = [UInt8](repeating: 0x61, count: HelperRunner.inputLimit)
        let start = ContinuousClock.now
        let run = try await runner.run(sleeper, context: .background, timeout: .milliseconds(800), input: input)
        #expect(run.outcome == .timedOut)
        // The child sleeps 30 s: a bound well below that, with room for a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    @Test("input over the 1 MiB cap is a typed error, and nothing runs")
    func inputOverTheCapIsAnError() async throws {
        let witness = scripts.path("ran")
        let tool = scripts.script("tool.sh", "touch '\(witness)'; cat > /dev/null")
        let input = [UInt8](repeating: 0x61, count: HelperRunner.inputLimit + 1)
        let error = await #expect(throws: HelperError.self) {
            _ = try await runner.run(tool, context: .background, timeout: .seconds(5), input: input)
        }
        #expect(error?.code == .inputTooLarge)
        #expect(error?.message.contains("1 MiB") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: witness), "the tool ran")
    }

    @Test("a helper that never finishes is stopped at the timeout with its whole process group")
    func timeoutKillsGroup() async throws {
        let pids = scripts.path("pids")
        let helper = scripts.script(
            "forever.sh",
            """
            sleep 1000 &
            echo $! >> '\(pids)'
            echo $$ >> '\(pids)'
            exec sleep 1000
            """)
        let run = try await runner.run(helper, context: .background, timeout: .milliseconds(800))
        #expect(run.outcome == .timedOut)
        #expect(run.elapsed >= .milliseconds(800))
        #expect(run.elapsed < .seconds(4))
        let recorded = scripts.read("pids").split(separator: "\n").compactMap { pid_t($0) }
        #expect(recorded.count == 2)
        for pid in recorded { #expect(await eventually { processIsGone(pid) }, "process \(pid) survived") }
        #expect(throws: HelperError.self) { try run.answer() }
        do { _ = try run.answer() } catch { #expect(error.code == .timedOut) }
    }

    @Test("a helper that traps SIGTERM is killed after the grace period")
    func trapsTerm() async throws {
        let helper = scripts.script(
            "trap.sh",
            """
            trap '' TERM
            echo "ignoring SIGTERM" >&2
            while :; do sleep 0.05; done
            """)
        let quick = HelperRunner(terminationGrace: .milliseconds(700), environment: ["PATH": "/usr/bin:/bin"])
        let run = try await quick.run(helper, context: .background, timeout: .milliseconds(500))
        #expect(run.outcome == .timedOut)
        #expect(run.elapsed >= .milliseconds(1150))
        #expect(run.elapsed < .seconds(5))
        #expect(run.lastStderrLine() == "ignoring SIGTERM")
    }

    @Test("a grandchild left holding stdout or stderr does not make the host wait", arguments: ["1", "2"])
    func grandchildHoldsOutput(stream: String) async throws {
        let helper = scripts.script(
            "agent.sh",
            """
            echo $$ > '\(scripts.path("pgid"))'
            echo tok-from-agent-helper
            sleep 30 >&\(stream) &
            exit 0
            """)
        let run = try await runner.run(helper, context: .interactive, timeout: .seconds(20))
        defer { if let pgid = pid_t(scripts.read("pgid").split(separator: "\n").first ?? "") { kill(-pgid, SIGKILL) } }
        #expect(run.outcome == .exited(0))
        #expect(run.elapsed < .seconds(3))
        #expect(try run.answer().token.reveal() == "tok-from-agent-helper")
        #expect(run.leftBackgroundProcess)
    }

    @Test("10 MB on stdout is an error with bounded capture, and the helper is stopped")
    func floodStdout() async throws {
        let helper = scripts.script("flood.sh", "head -c 10000000 /dev/zero | tr '\\0' a; sleep 30")
        let run = try await runner.run(helper, context: .background, timeout: .seconds(20))
        #expect(run.outcome == .outputTooLarge(.stdout))
        #expect(run.stdout.count == HelperRunner.defaultOutputLimit)
        #expect(run.elapsed < .seconds(5))
        do {
            _ = try run.answer()
            Issue.record("expected output-too-large")
        } catch {
            #expect(error.code == .outputTooLarge)
        }
    }

    @Test("a flood on stderr is capped too")
    func floodStderr() async throws {
        let helper = scripts.script("flood-err.sh", "head -c 1000000 /dev/zero | tr '\\0' e >&2; echo tok")
        let run = try await runner.run(helper, context: .background, timeout: .seconds(20))
        #expect(run.outcome == .outputTooLarge(.stderr))
        #expect(run.stderr.count == HelperRunner.defaultOutputLimit)
    }

    @Test("a non-zero exit is surfaced with the last stderr line, redacted")
    func nonZeroExit() async throws {
        let secret = "rt-9f8e7d6c5b4a39281706"
        let helper = scripts.script(
            "fail.sh",
            """
            echo "starting" >&2
            echo "refresh failed with refresh_token=\(secret): connect to the VPN" >&2
            exit 3
            """)
        let run = try await runner.run(helper, context: .midSessionRefresh, timeout: .seconds(10))
        #expect(run.outcome == .exited(3))
        do {
            _ = try run.answer()
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .nonZeroExit)
            #expect(error.exitStatus == 3)
            #expect(error.stderrTail?.contains("connect to the VPN") == true)
            #expect(!error.description.contains(secret))
            #expect(error.description.contains("status 3"))
        }
    }

    @Test("a helper killed by a signal is a failure")
    func signaled() async throws {
        let helper = scripts.script("segv.sh", "kill -SEGV $$")
        let run = try await runner.run(helper, context: .background, timeout: .seconds(10))
        #expect(run.outcome == .signaled(SIGSEGV))
        #expect(throws: HelperError.self) { try run.answer() }
    }

    @Test("unsafe or unusable paths are refused before anything runs")
    func paths() async throws {
        let good = scripts.script("good.sh", "echo tok")
        let plain = scripts.script("plain.sh", "echo tok", mode: 0o600)
        let groupWritable = scripts.script("group.sh", "echo tok", mode: 0o770)
        let worldWritable = scripts.script("world.sh", "echo tok", mode: 0o707)
        let cases: [(String, HelperError.Code)] = [
            ("relative/helper.sh", .pathNotAbsolute),
            ("\(good) --profile corp", .helperNotFound),
            (scripts.path("missing.sh"), .helperNotFound),
            (good + "/", .helperNotFound),
            (plain, .notExecutable),
            (scripts.directory, .notExecutable),
            (groupWritable, .unsafePermissions),
            (worldWritable, .unsafePermissions),
        ]
        for (path, code) in cases {
            do {
                _ = try await runner.run(path, context: .interactive, timeout: .seconds(5))
                Issue.record("\(path) ran")
            } catch {
                #expect(error.code == code, "\(path): \(error)")
            }
        }
        // Too much input for stdin is refused before any spawn: every path problem is named first.
        let tooMuch = [UInt8](repeating: 0x61, count: HelperRunner.inputLimit + 1)
        for (path, code) in [(plain, HelperError.Code.notExecutable), (good, .inputTooLarge)] {
            do {
                _ = try await runner.run(path, context: .interactive, timeout: .seconds(5), input: tooMuch)
                Issue.record("\(path) ran")
            } catch {
                #expect(error.code == code, "\(path): \(error)")
            }
        }
        do {
            _ = try await runner.run("\(good) --profile corp", context: .interactive, timeout: .seconds(5))
        } catch {
            #expect(error.description.contains("arguments cannot be part of the path"))
        }
    }

    @Test("a file the kernel cannot execute is a spawn failure")
    func notAnExecutable() async throws {
        let path = scripts.path("data.bin")
        scripts.write("\u{7F}XYZ not an executable", to: path)
        chmod(path, 0o700)
        do {
            _ = try await runner.run(path, context: .interactive, timeout: .seconds(5))
            Issue.record("it ran")
        } catch {
            #expect(error.code == .spawnFailed)
        }
    }
}
