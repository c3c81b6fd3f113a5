import ArgumentParser
import CredentialHelperHost
import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper get`: act as a host, obtain the credential and print the headers a request would carry.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Obtain the credential as a host would and print the HTTP headers it would send.",
        discussion: """
            Runs the configured helper (no arguments, empty stdin, CLAUDE_HELPER_CONTEXT set) unless a cached \
            answer is still within its TTL, then prints one "Name: value" line per header, the token \
            redacted unless --show-secrets. In the interactive context the helper's stderr is relayed live.
            The cache lives in $CREDHELPER_CACHE_DIR, else $XDG_CACHE_HOME/credhelper/host, else \
            ~/.cache/credhelper/host (files 0600, directory 0700).

            \(ExitStatus.helpText)
            """
    )

    @OptionGroup var host: HostOptions

    @OptionGroup var destination: EndpointOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Why the helper runs: interactive, mid-session-refresh, scheduled-task, setup-test or background.",
            valueName: "context"))
    var context: String = HelperContext.interactive.rawValue

    @Flag(name: .customLong("no-cache"), help: "Always run the helper; do not read or write the on-disk cache.")
    var noCache = false

    @Flag(
        name: .customLong("clear-cache"),
        help: "Remove this configuration's cached answer first, so the helper runs now (its answer is cached again).")
    var clearCache = false

    @Flag(name: .customLong("show-secrets"), help: "Print the token and secret header values in full.")
    var showSecrets = false

    @Flag(name: .long, help: "Print a JSON object instead of header lines.")
    var json = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Print each configuration key's effective value and where it came from (secrets hidden); the helper "
                + "is not run. With --json, as a JSON object."))
    var explain = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let started = Date()
        do {
            let helperContext: HelperContext
            do {
                helperContext = try HelperContext.parse(context)
            } catch {
                throw ConfigurationError(.invalidValue, "--context: \(error)")
            }
            _ = try destination.validated()
            let resolved = try host.resolve(environment: environment)
            resolved.warnings.forEach(Terminal.warning)
            if explain {
                let explanation = ConfigurationExplanation(resolved: resolved)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    Terminal.standardOutput(
                        String(decoding: (try? encoder.encode(explanation.document)) ?? Data(), as: UTF8.self) + "\n")
                } else {
                    Terminal.standardOutput(explanation.text)
                }
                return
            }
            let configuration = resolved.configuration
            let cache =
                noCache
                ? nil
                : CredentialDiskCache.defaultDirectory(environment: environment)
                    .map(CredentialDiskCache.init(directory:))
            if clearCache {
                CredentialDiskCache.defaultDirectory(environment: environment).map(
                    CredentialDiskCache.init(directory:))?
                    .remove(for: configuration)
            }
            let relay = helperContext == .interactive ? Terminal.relayHelperStderr : nil
            let provider = CredentialProvider(
                configuration: configuration, runner: await host.helperRunner(environment: environment),
                diskCache: cache, sessionContext: helperContext,
                stderrObserver: relay)
            let credential = try await provider.startSession()
            try destination.refuseMismatch(credential.token)
            let request = credential.requestHeaders(for: configuration)
            request.warnings.forEach(Terminal.warning)
            let output = HeaderPrinter(showSecrets: showSecrets, scheme: configuration.authScheme)
            if json {
                Terminal.standardOutput(
                    try output.json(
                        request.headers, credential: credential, cached: credential.obtainedAt < started,
                        warnings: request.warnings))
            } else {
                Terminal.standardOutput(output.lines(request.headers))
            }
        } catch let error as HelperError {
            Terminal.error(error.description)
            throw ExitStatus(error).exitCode
        } catch let error as ConfigurationError {
            Terminal.error(error.description)
            throw ExitStatus.usage.exitCode
        }
    }
}
