import AsyncHTTPClient
import CredentialHelperHost
import CredentialProxy
import Foundation
import NIOCore
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `credhelper proxy` as a process: a gigabyte through it with bounded memory, graceful shutdown,
/// refusing to listen beyond loopback, and LiteLLM as the upstream for a static credential.
extension ProxyTests {
    /// Starts `credhelper proxy ARGS` and returns it with its port (from its "listening on" line).
    static func startProxyProcess(_ arguments: [String], environment: [String: String]) throws -> (Process, Int, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
        process.arguments = ["proxy", "--listen", "127.0.0.1:0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("listening on") || !text.contains("→") {
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw FixtureError("credhelper proxy exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let address = text.split(separator: "listening on http://")[1].prefix { $0 != " " }
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        return (process, port, errors)
    }

    static func peakResidentMiB(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }

    @Test("a 1 GiB response streams through with bounded memory; SIGTERM stops the proxy cleanly")
    func gigabyteStream() async throws {
        let setup = try await ProxyHarness()
        try await setup.stop()
        let (process, port, errors) = try Self.startProxyProcess(
            ["--upstream", setup.gateway.baseURL, "--helper", setup.helper.link("gw"), "--quiet"],
            environment: setup.helper.environment)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let size = 1 << 30
        let response = try await client.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/big?bytes=\(size)"), timeout: .seconds(300))
        #expect(response.status == .ok)
        var received = 0
        for try await chunk in response.body { received += chunk.readableBytes }
        #expect(received == size)
        let peak = try #require(Self.peakResidentMiB(process.processIdentifier))
        print("credhelper proxy peak RSS after streaming 1 GiB: \(Int(peak)) MiB")
        #expect(peak < 200, "the proxy's peak RSS was \(peak) MiB: it buffered the response")
        try await client.shutdown()
        kill(process.processIdentifier, SIGTERM)
        try await OffPool.wait { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("credhelper proxy: stopped"), "\(log)")
    }

    @Test("a non-loopback listen address is refused without --allow-remote and a client key")
    func refusesRemoteListen() async throws {
        let refused = try await BuiltBinary.run([
            "proxy", "--upstream", "http://127.0.0.1:9", "--helper", "/bin/true", "--listen", "0.0.0.0:0",
        ])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is not a loopback address"), "\(refused.stderr)")
        let noKey = try await BuiltBinary.run([
            "proxy", "--upstream", "http://127.0.0.1:9", "--helper", "/bin/true", "--listen", "0.0.0.0:0",
            "--allow-remote",
        ])
        #expect(noKey.status == 2 && noKey.stderr.contains("--client-key-file"), "\(noKey.stderr)")
    }

    @Test("LiteLLM as the gateway: a static key from a helper, used by the anthropic SDK", .timeLimit(.minutes(3)))
    func liteLLMGateway() async throws {
        let folder = HelperScripts()
        let masterKey = "sk-master-" + UUID().uuidString.lowercased()
        let port = try LoopbackPort.unused()
        folder.write(
            """
            model_list:
              - model_name: claude-test
                litellm_params:
                  model: anthropic/claude-3-5-haiku-20241022
                  api_key: sk-ant-not-used
                  mock_response: "Hello from LiteLLM"
            general_settings:
              master_key: \(masterKey)
            """, to: folder.path("litellm.yaml"))
        let litellm = Process()
        litellm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        litellm.arguments = [
            "litellm", "--config", folder.path("litellm.yaml"), "--host", "127.0.0.1", "--port", "\(port)",
        ]
        litellm.environment = ProcessInfo.processInfo.environment.merging(["LITELLM_LOCAL_MODEL_COST_MAP": "True"]) {
            $1
        }
        litellm.standardOutput = FileHandle.nullDevice
        litellm.standardError = FileHandle.nullDevice
        try litellm.run()
        defer {
            kill(litellm.processIdentifier, SIGKILL)  // a stateless fixture; its graceful shutdown takes seconds
            litellm.waitUntilExit()
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var ready = false
        let deadline = ContinuousClock.now + .seconds(120)
        while !ready, ContinuousClock.now < deadline, litellm.isRunning {
            let probe = try? await client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/liveliness"), timeout: .seconds(2))
            ready = probe?.status == .ok
            if !ready { try await Task.sleep(for: .milliseconds(500)) }
        }
        try await client.shutdown()
        try #require(ready, "LiteLLM did not start (is it installed? pip install 'litellm[proxy]')")
        // Without the proxy, LiteLLM refuses the SDK's placeholder key.
        let direct = try await Self.runSDK(baseURL: "http://127.0.0.1:\(port)", stream: false)
        #expect(!direct.contains("create: Hello from LiteLLM"))
        let helper = folder.script("static-key.sh", "echo '\(masterKey)'")
        let (proxy, proxyPort, _) = try Self.startProxyProcess(
            ["--upstream", "http://127.0.0.1:\(port)", "--helper", helper, "--auth-scheme", "x-api-key"],
            environment: [:])
        defer {
            proxy.terminate()
            proxy.waitUntilExit()
        }
        let result = try await Self.runSDK(baseURL: "http://127.0.0.1:\(proxyPort)", stream: false)
        #expect(result.contains("create: Hello from LiteLLM"), "\(result)")
        let leaked = result.contains(masterKey)  // a Bool: a failure must not print the key
        #expect(!leaked, "the SDK output contains the gateway key")
    }
}
