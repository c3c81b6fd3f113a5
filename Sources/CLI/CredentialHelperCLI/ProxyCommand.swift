import ArgumentParser
import CredentialHelperHost
import CredentialHelperProtocol
import CredentialProxy
import CredentialSupport
import UnixSignals

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper proxy`: a local reverse proxy that adds the helper's credential to every request.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Forward HTTP requests to an inference gateway, adding the helper's credential and headers.",
        discussion: """
            Point any client's base URL at http://127.0.0.1:PORT. The proxy is one session: it runs the \
            helper at start (interactive when a terminal is attached, else background), keeps the answer \
            for the TTL, and on a 401/403 from the upstream re-runs it with mid-session-refresh and replays \
            the request once (bodies up to --replay-limit bytes). Errors of its own are JSON in the Anthropic \
            error shape. GET /_credhelper/health reports its state. SIGINT/SIGTERM stop it gracefully. \
            One access-log line per request goes to stderr.
            """)

    @OptionGroup var host: HostOptions

    @Option(
        name: .long,
        help:
            "The upstream base URL, e.g. https://gateway.example.com. Default: the configured inferenceGatewayBaseUrl.")
    var upstream: String?

    @Option(name: .long, help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen: String = "127.0.0.1:8787"

    @Flag(name: .customLong("allow-remote"), help: "Allow a non-loopback --listen address (needs --client-key-file).")
    var allowRemote = false

    @Option(
        name: .customLong("client-key-file"),
        help: "A 0600 file with the key clients must send (x-api-key or Authorization: Bearer).")
    var clientKeyFile: String?

    @Option(
        name: .customLong("replay-limit"), help: "Largest request body, in bytes, kept for a replay after a 401/403.")
    var replayLimit: Int = 10 << 20

    @Option(
        name: .customLong("upstream-ca-file"),
        help: "A PEM file of certificate authorities to trust for an https:// upstream, besides the system's.")
    var upstreamCAFile: String?

    @Option(name: .long, help: "Event-loop threads serving connections (default: half the cores, at least one).")
    var threads = ProxyConfiguration.defaultThreads

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds a client connection may stay silent between requests (and before its first byte).")
    var idleTimeout = 75

    @Option(name: .customLong("body-timeout"), help: "Seconds a request body may stop arriving before it is dropped.")
    var bodyTimeout = 60

    @Option(
        name: .customLong("upstream-idle-timeout"),
        help: "Seconds an upstream connection kept for reuse may stay idle before it is closed.")
    var upstreamIdleTimeout = 60

    @Option(name: .customLong("max-connections"), help: "Client connections served at once; more get a 503.")
    var maxConnections = 1024

    @Option(
        name: .customLong("refresh-floor"),
        help: ArgumentHelp(
            "Least seconds between two helper refreshes forced by 401/403 answers (1-3600).",
            valueName: "seconds"))
    var refreshFloor = 30

    @Flag(name: .long, help: "Do not print an access-log line per request.")
    var quiet = false

    @Flag(
        name: .long,
        help: "Serve Prometheus metrics at GET /_credhelper/metrics (behind the client key when there is one).")
    var metrics = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ProxyConfiguration
        let hostConfiguration: HostConfiguration
        do {
            let resolved = try host.resolve(environment: environment)
            resolved.warnings.forEach(Terminal.warning)
            hostConfiguration = try refreshFloorApplied(resolved.configuration)
            configuration = try proxyConfiguration(upstream: upstream ?? resolved.configuration.gatewayBaseURL)
            try configuration.validate()
        } catch let error as HelperError {
            Terminal.error(error.description)
            throw ExitStatus(error).exitCode
        } catch {
            Terminal.error("\(error)")
            throw ExitStatus.usage.exitCode
        }
        let interactive = Terminal.isTerminal(0) && Terminal.isTerminal(2)
        let provider = CredentialProvider(
            configuration: hostConfiguration, runner: await host.helperRunner(environment: environment),
            sessionContext: interactive ? .interactive : .background,
            stderrObserver: interactive ? Terminal.relayHelperStderr : nil)
        do {
            _ = try await provider.startSession()
        } catch {
            Terminal.warning("the helper failed at start (\(error.description)); requests get a 503 until it succeeds")
        }
        let writeLine: @Sendable (String) -> Void = { Terminal.standardError($0 + "\n") }
        let accessLog = quiet ? nil : writeLine
        let server: ProxyServer
        do {
            server = try await ProxyServer.start(
                configuration, provider: provider, accessLog: accessLog, shutdownSignals: [UnixSignal.sigint, .sigterm])
        } catch {
            Terminal.error("\(error)")
            throw ExitStatus.usage.exitCode
        }
        let shown = configuration.listenHost.contains(":") ? "[\(configuration.listenHost)]" : configuration.listenHost
        Terminal.standardError(
            "credhelper proxy: listening on http://\(shown):\(server.port) → \(configuration.upstream)\n")
        try await server.wait()
        Terminal.standardError("credhelper proxy: stopped\n")
    }

    private func refreshFloorApplied(_ resolved: HostConfiguration) throws -> HostConfiguration {
        guard HostConfiguration.refreshFloorRange.contains(refreshFloor) else {
            throw ValidationError("--refresh-floor \(refreshFloor) is out of range (1-3600 seconds)")
        }
        var hostConfiguration = resolved
        hostConfiguration.refreshFloorSeconds = refreshFloor
        return hostConfiguration
    }

    private func proxyConfiguration(upstream: String?) throws -> ProxyConfiguration {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be host:port, e.g. 127.0.0.1:8787")
        }
        var listenHost = String(listen[..<colon])
        if listenHost.hasPrefix("[") && listenHost.hasSuffix("]") {
            listenHost = String(listenHost.dropFirst().dropLast())
        }
        var clientKey: Secret?
        if let clientKeyFile {
            do {
                guard let bytes = try SecureFile.contents(of: clientKeyFile, role: "the client key file", limit: 4096)
                else {
                    throw ValidationError("--client-key-file \(clientKeyFile) does not exist")
                }
                let key = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard key.count >= 16 else {
                    throw ValidationError("the client key in \(clientKeyFile) is shorter than 16 characters")
                }
                clientKey = Secret(key)
            } catch let error as SecureFile.Failure {
                throw ValidationError("--client-key-file: \(error.description)")
            }
        }
        guard let upstream else {
            throw ValidationError(
                "no upstream: pass --upstream https://gateway.example.com, or configure inferenceGatewayBaseUrl")
        }
        var configuration = ProxyConfiguration(
            upstream: upstream, listenHost: listenHost.isEmpty ? "127.0.0.1" : listenHost,
            listenPort: port, allowRemote: allowRemote, clientKey: clientKey, replayBodyLimit: replayLimit,
            upstreamCAFile: upstreamCAFile)
        configuration.threads = threads
        configuration.metrics = metrics
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.bodyTimeout = .seconds(bodyTimeout)
        configuration.upstreamIdleTimeout = .seconds(upstreamIdleTimeout)
        configuration.maximumConnections = maxConnections
        return configuration
    }
}
