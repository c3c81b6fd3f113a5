import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// A time-out in the `interactive` context, where a person may be signing in: the advice is to
/// give the sign-in time (inferenceCredentialHelperTimeoutSec), not to make a silent path faster.
@Suite("Helper time-outs: advice by context", .timeLimit(.minutes(1)))
struct InteractiveTimeoutTests {
    let scripts = HelperScripts()
    let runner = HelperRunner(environment: ["PATH": "/usr/bin:/bin"])

    private func timeoutMessage(_ context: HelperContext) async throws -> String {
        let helper = scripts.script("slow-\(context).sh", "exec sleep 30")
        let run = try await runner.run(helper, context: context, timeout: .seconds(1))
        #expect(run.outcome == .timedOut)
        do {
            _ = try run.answer()
            Issue.record("a timed-out run gave an answer")
            return ""
        } catch { return error.message }
    }

    @Test("interactive: says a sign-in needs minutes and which setting raises the limit")
    func interactiveAdvice() async throws {
        let message = try await timeoutMessage(.interactive)
        #expect(message.contains("sign-in"), "\(message)")
        #expect(message.contains("inferenceCredentialHelperTimeoutSec"), "\(message)")
        #expect(message.contains("300"), "\(message)")
        #expect(!message.contains("silent path faster"), "\(message)")
    }

    @Test("background: still says to make the silent path faster")
    func backgroundAdvice() async throws {
        let message = try await timeoutMessage(.background)
        #expect(message.contains("silent path faster"), "\(message)")
    }
}
