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
}
