import ArgumentParser
import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper check`: run a helper the way a host does, in every context, and say what is wrong.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a helper as a host would, in each context, and report every protocol problem.",
        discussion: """
            Runs the helper with no arguments, an empty stdin, no terminal and CLAUDE_HELPER_CONTEXT set, once \
            per context (all five by default), with the timeouts a host uses (20 s for mid-session-refresh). \
            With --config, checks the helper that configuration names, with its timeout, custom headers and \
            auth scheme. Problem codes and the --json schema are documented in docs/check.md.

            Exit status: 0 no errors (warnings allowed); 1 at least one error; 2 usage or configuration error.
            """
    )

    @Argument(help: ArgumentHelp("The helper's absolute path (or use --config / --helper).", valueName: "path"))
    var path: String?

    @OptionGroup var host: HostOptions

    @OptionGroup var destination: EndpointOption

    @Option(
        name: .customLong("context"),
        help: ArgumentHelp(
            "A context to run (repeatable; default: all five).", valueName: "context"))
    var contexts: [String] = []

    @Flag(name: .long, help: "Print the report as JSON (schema in docs/check.md).")
    var json = false

    @Flag(name: .customLong("show-secrets"), help: "Print tokens and secret header values in full.")
    var showSecrets = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let checker: HelperChecker
        do {
            var options = host
            if let path { options.helper = path }
            let resolved = try options.resolve(environment: environment)
            resolved.warnings.forEach(Terminal.warning)
            var chosen: [HelperContext] = []
            for name in contexts {
                guard let context = HelperContext(rawValue: name) else {
                    throw ConfigurationError(.invalidValue, "--context: \(HelperContextError(value: name))")
                }
                chosen.append(context)
            }
            checker = HelperChecker(
                configuration: resolved.configuration, contexts: chosen.isEmpty ? HelperContext.allCases : chosen,
                runner: await options.helperRunner(environment: environment), showSecrets: showSecrets,
                endpoint: try destination.validated())
        } catch let error as ConfigurationError {
            Terminal.error(error.description)
            throw ExitStatus.usage.exitCode
        }
        let report = await checker.check()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Terminal.standardOutput(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            let colour = Terminal.isTerminal(1) && environment["NO_COLOR"] == nil
            Terminal.standardOutput(
                CheckReportPrinter(colour: colour).render(
                    report, configuration: checker.configuration, searchPath: checker.runner.environment["PATH"]))
        }
        if !report.ok { throw ExitCode(1) }
    }
}
