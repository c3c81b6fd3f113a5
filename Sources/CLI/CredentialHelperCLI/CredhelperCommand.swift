import ArgumentParser
import CredentialHelperProtocol

/// The root `credhelper` command.
public struct CredhelperCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "credhelper",
        abstract: "Run inference credential helpers exactly as the protocol says, or be one.",
        discussion: """
            Run with no arguments by a host (CLAUDE_HELPER_CONTEXT set), or as a link named credhelper-PROFILE, \
            credhelper is itself a credential helper: it prints a token for the selected profile of \
            ~/.config/credhelper/profiles.json (see docs/helper.md).

            """ + ExitStatus.helpText,
        version: CredhelperVersion.current,
        subcommands: [
            GetCommand.self, CheckCommand.self, LoginCommand.self, LogoutCommand.self, StatusCommand.self,
            ProfilesCommand.self, ProxyCommand.self,
            TokenCommand.self, HeadersCommand.self, ConfigCommand.self, AWSCommand.self, DoctorCommand.self,
        ]
    )

    public init() {}

    /// Parses `arguments` (the process's when nil), runs the command and exits with the documented
    /// status; a usage error exits 2 (ArgumentParser's own default would be 64).
    public static func runAndExit(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(withError: nil)
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.standardError(fullMessage(for: error) + "\n")
                Terminal.exitProcess(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
