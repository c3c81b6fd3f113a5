import ArgumentParser

/// `credhelper config`: what an administrator deploys (docs/deploy.md).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Write the app's configuration and the machine-wide profiles for a deployment.",
        subcommands: [ConfigWriteCommand.self])
}
