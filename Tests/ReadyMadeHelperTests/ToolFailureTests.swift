import ChildProcess
import Testing

@testable import ReadyMadeHelper

/// The sentence an `exec` command or a `credential_process` gets for each way its run can end.
@Suite("Tool run failures")
struct ToolFailureTests {
    func sentence(_ outcome: ChildProcessRun.Outcome, stderr: String = "") -> String? {
        var run = ChildProcessRun(outcome: outcome)
        run.stderr = Array(stderr.utf8)
        return run.failureSentence(
            tool: "/usr/bin/tool", timeout: .seconds(3), outputLimit: 64 * 1024, timeoutAdvice: "; raise it")
    }

    @Test("each outcome is named with the tool; success is nil; the last stderr line is shown redacted")
    func outcomes() {
        #expect(sentence(.exited(0), stderr: "noise") == nil)
        #expect(
            sentence(.exited(2), stderr: "first\nno profile named corp\n")
                == "/usr/bin/tool exited with status 2: no profile named corp")
        #expect(sentence(.signaled(9)) == "/usr/bin/tool was killed by signal 9")
        #expect(sentence(.timedOut) == "/usr/bin/tool did not finish within 3.0 seconds; raise it")
        #expect(sentence(.outputTooLarge(.stdout)) == "/usr/bin/tool printed more than 64 KiB")
        #expect(sentence(.cancelled) == "/usr/bin/tool was cancelled")
        #expect(sentence(.statusLost)?.hasPrefix("/usr/bin/tool's exit status was lost") == true)
        let secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
        let shown = sentence(.exited(1), stderr: "refused \(secret)\n") ?? ""
        #expect(shown.hasPrefix("/usr/bin/tool exited with status 1: refused") && !shown.contains(secret))
    }
}
