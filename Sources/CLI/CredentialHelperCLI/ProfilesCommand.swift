import ArgumentParser
import HelperFastPath
import HelperSignIn

/// `credhelper profiles`: list the configured profiles.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List the profiles in the profiles file.")

    @OptionGroup var options: ProfileOptions

    func run() throws {
        let agent = try options.agent()
        Terminal.standardOutput("profiles in \(agent.catalog.path):\n")
        for profile in agent.catalog.profiles.values.sorted(by: { $0.name < $1.name }) {
            let marker = profile.name == agent.catalog.defaultProfile ? " (default)" : ""
            Terminal.standardOutput("  \(profile.name)\(marker): \(Self.summary(profile.source))\n")
        }
    }

    static func summary(_ source: Profile.Source) -> String {
        switch source {
        case .oauth(let settings): "oauth \(settings.grant.rawValue), \(settings.issuer), client \(settings.clientID)"
        case .exec(let settings): "exec \(settings.command[0])"
        case .file(let path): "file \(path)"
        case .literal: "static token"
        }
    }
}
