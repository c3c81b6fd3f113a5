import ArgumentParser
import HelperFastPath
import ReadyMadeHelper

/// `credhelper profiles`: list the configured profiles.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List the profiles, and the file each comes from.")

    @OptionGroup var options: ProfileOptions

    func run() throws {
        let readyHelper = try options.readyHelper()
        let catalog = readyHelper.catalog
        Terminal.standardOutput("profiles in \(catalog.filesDescription):\n")
        for profile in catalog.profiles.values.sorted(by: { $0.name < $1.name }) {
            let marker = profile.name == catalog.defaultProfile ? " (default)" : ""
            let origin = catalog.files.count > 1 ? " [\(catalog.origins[profile.name] ?? "?")]" : ""
            Terminal.standardOutput("  \(profile.name)\(marker): \(Self.summary(profile.source))\(origin)\n")
        }
        for (name, file) in catalog.ignoredUserProfiles.sorted(by: { $0.key < $1.key }) {
            Terminal.standardOutput(
                "  ignored: \(name) in \(file); the machine-wide profile of the same name is used "
                    + "(an administrator may allow replacing it with \"userProfiles\": \"replace\")\n")
        }
    }

    static func summary(_ source: Profile.Source) -> String {
        switch source {
        case .oauth(let settings): "oauth \(settings.grant.rawValue), \(settings.issuer), client \(settings.clientID)"
        case .exec(let settings): "exec \(settings.command[0])"
        case .file(let path): "file \(path)"
        case .literal: "static token"
        case .googleSTS(let settings): "google-sts \(settings.audience), subject \(settings.subjectProfile)"
        case .awsChain(let settings):
            "aws-chain, " + (settings.awsProfile.map { "AWS profile \($0)" } ?? "the AWS default chain") + ", "
                + settings.region
        }
    }
}
