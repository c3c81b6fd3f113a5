import Foundation
import TestSupport
import Testing

/// `credhelper proxy` without `--upstream` takes its upstream from `inferenceGatewayBaseUrl`.
@Suite("credhelper proxy: upstream from inferenceGatewayBaseUrl", .timeLimit(.minutes(1)))
struct ProxyUpstreamConfigTests {
    let scripts = HelperScripts()

    @Test("no --upstream: the configured gateway base URL is the upstream")
    func upstreamFromConfiguration() async throws {
        let helper = scripts.script("helper.sh", "echo tok-0123456789")
        let config = scripts.path("c.json")
        scripts.write(
            #"{"inferenceCredentialHelper": "\#(helper)", "inferenceGatewayBaseUrl": "https://gw.example.com"}"#,
            to: config, mode: 0o600)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
        process.arguments = ["proxy", "--listen", "127.0.0.1:0", "--config", config]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": scripts.directory]
        let log = scripts.path("stderr.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        // Poll the log rather than block on a pipe: the line, or the process's end, within 30 s.
        var text = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !text.contains("listening on"), process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("→ https://gw.example.com"), "\(text)")
    }
}
