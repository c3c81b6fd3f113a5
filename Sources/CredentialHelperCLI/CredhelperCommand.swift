import ArgumentParser

/// The root `credhelper` command.
public struct CredhelperCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "credhelper",
        abstract: "Run inference credential helpers exactly as the protocol says.",
        discussion: ExitStatus.helpText,
        subcommands: [GetCommand.self]
    )

    public init() {}
}
