import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The proxy as a service (packaging/systemd, packaging/launchd; docs/deploy.md). No systemd user
/// manager runs here, so the unit is checked with `systemd-analyze verify --user`, and its ExecStart
/// is run as systemd would run it: its Environment= defaults, the user's proxy.env, `${…}` expanded.
@Suite("The proxy as a service", .timeLimit(.minutes(1)))
struct ProxyServiceTests {
    let folder = HelperScripts()

    static let repository: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()
    static let unitPath = repository + "/packaging/systemd/credhelper-proxy.service"
    static let agentPath = repository + "/packaging/launchd/com.credhelper.proxy.plist"
    static var fullBinary: String { String(BuiltBinary.path.dropLast("credhelper".count)) + "credhelper-full" }

    /// The unit's `Key=value` lines for `key`, in order.
    static func values(_ key: String, in unit: String) -> [String] {
        unit.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (
        Int32, String
    ) {
        let result = try await ProgramRun.run(executable, arguments, environment: environment)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("systemd-analyze verify --user accepts the unit without a word; ExecStart is the packaged credhelper-full")
    func unitVerifies() async throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let execStart = try #require(Self.values("ExecStart", in: unit).first)
        #expect(
            execStart.hasPrefix("/usr/bin/credhelper-full proxy --listen ${CREDHELPER_PROXY_LISTEN} "), "\(execStart)")
        // verify also checks that ExecStart's program exists: point it at the built one.
        let copy = folder.path("credhelper-proxy.service")
        folder.write(
            unit.replacingOccurrences(of: "/usr/bin/credhelper-full", with: Self.fullBinary), to: copy, mode: 0o644)
        let runtime = folder.subdirectory("runtime", mode: 0o700)
        let (status, output) = try await Self.run(
            "/usr/bin/systemd-analyze", ["verify", "--user", copy], environment: ["XDG_RUNTIME_DIR": runtime])
        #expect(status == 0, "\(output)")
        #expect(output.isEmpty, "systemd-analyze verify warned: \(output)")
    }

    @Test(
        "ExecStart as systemd runs it: listening on the unit's address, ready when health answers, SIGTERM stops it with 0"
    )
    func execStartRunsAndStops() async throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        var environment: [String: String] = [:]
        for assignment in Self.values("Environment", in: unit) {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            environment[parts[0]] = parts[1]
        }
        #expect(environment["CREDHELPER_PROXY_LISTEN"] == "127.0.0.1:8787")
        let port = try LoopbackPort.unused()
        let helper = folder.script("helper", "#!/bin/sh\necho service-token-0123456789\n")
        // What a user writes in ~/.config/credhelper/proxy.env (EnvironmentFile= wins over Environment=).
        environment["CREDHELPER_PROXY_LISTEN"] = "127.0.0.1:\(port)"
        environment["CREDHELPER_PROXY_UPSTREAM"] = "http://127.0.0.1:9"
        environment["INFERENCE_CREDENTIAL_HELPER"] = helper
        let execStart = try #require(Self.values("ExecStart", in: unit).first)
        let words = execStart.split(separator: " ").map { word -> String in
            guard word.hasPrefix("${"), word.hasSuffix("}") else { return String(word) }
            return environment[String(word.dropFirst(2).dropLast())] ?? ""
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.fullBinary)
        process.arguments = Array(words.dropFirst())
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.directory].merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Readiness as docs/deploy.md says: the health endpoint answers (200, or 503 before a credential).
        let health = "http://127.0.0.1:\(port)/_credhelper/health"
        let ready = await eventually(10) {
            ["200", "503"].contains(
                (try? await Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", health]).1) ?? "")
        }
        #expect(ready, "the proxy never answered \(health)")
        kill(process.processIdentifier, SIGTERM)
        try await OffPool.wait { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("listening on http://127.0.0.1:\(port)"), "\(log)")
        #expect(log.contains("credhelper proxy: stopped"), "\(log)")
    }

    @Test("the launchd agent: plistlib reads it, and it runs the unit's command line")
    func launchdAgentMatchesTheUnit() async throws {
        let check = """
            import plistlib, sys
            agent = plistlib.load(open(sys.argv[1], 'rb'))
            assert agent['Label'] == 'com.credhelper.proxy', agent['Label']
            assert agent['ProgramArguments'][:4] == ['/usr/local/bin/credhelper-full', 'proxy', '--listen', '127.0.0.1:8787'], agent['ProgramArguments']
            assert agent['ProgramArguments'][4] == '--upstream'
            assert agent['RunAtLoad'] is True and agent['KeepAlive'] == {'SuccessfulExit': False}
            assert agent['Umask'] == 0o077
            """
        let (status, output) = try await Self.run("/usr/bin/env", ["python3", "-c", check, Self.agentPath])
        #expect(status == 0, "\(output)")
    }
}
