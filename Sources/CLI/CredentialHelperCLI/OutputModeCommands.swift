import ArgumentParser
import HelperFastPath
import ReadyMadeHelper

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The options of an output mode subcommand. The small `credhelper` answers these forms from the
/// store itself (``HelperRequest/subcommand(_:)``); the full one parses them here.
struct OutputModeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The profile to use (default: $CREDHELPER_PROFILE, the file's defaultProfile, or the only one).")
    var profile: String?

    @Flag(
        name: .long,
        help: """
            Sign in (browser or device code) if the silent path is exhausted, as at a terminal. Without it, and \
            without CLAUDE_HELPER_CONTEXT, a run whose stdin is not a terminal only refreshes.
            """)
    var interactive = false

    /// Runs `mode` as the helper does and exits with its status.
    func run(_ mode: OutputMode) async throws {
        let request = HelperRequest(mode: mode, profile: profile, interactive: interactive)
        let status = await HelperMode.run(request, environment: ProcessInfo.processInfo.environment)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `credhelper token`: the bare token on one line, for Claude Code's `apiKeyHelper`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: OutputMode.token.name,
        abstract: "Print the profile's token alone on one line (Claude Code's apiKeyHelper).",
        discussion: "Also as a link named credhelper-PROFILE@token. Exit status: 0; 1 no token; 2 configuration error.")

    @OptionGroup var options: OutputModeOptions

    func run() async throws { try await options.run(.token) }
}

/// `credhelper headers`: a JSON object of headers, for `headersHelper` and `otlpHeadersHelper`.
struct HeadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: OutputMode.headers.name,
        abstract: """
            Print {"Authorization":"Bearer <token>", …profile headers} (MCP headersHelper, otlpHeadersHelper, \
            otelHeadersHelper).
            """,
        discussion:
            "Also as a link named credhelper-PROFILE@headers. Exit status: 0; 1 no token; 2 configuration error.")

    @OptionGroup var options: OutputModeOptions

    func run() async throws { try await options.run(.headers) }
}
