import ArgumentParser
import ReadyMadeHelper

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper aws MODE`: a profile's AWS role credentials in one of the AWS output modes.
struct AWSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Print AWS credentials of a profile's role: bedrock-key, credential-process or aws-export.",
        discussion: """
            The profile's sign-in is exchanged for the role in its "aws" settings (STS \
            AssumeRoleWithWebIdentity); the credentials are stored and refreshed ahead of expiry. Where a \
            setting takes no arguments, link credhelper to credhelper-PROFILE@MODE instead (docs/helper.md).
            """)

    @Argument(help: "bedrock-key, credential-process or aws-export.")
    var mode: String

    @OptionGroup var profileOptions: ProfileOptions

    @Flag(name: .long, help: "Sign in when the silent path is exhausted (default: only at a terminal).")
    var interactive = false

    func run() async throws {
        let status = await AWSHelperMode.run(
            profile: profileOptions.profile, mode: mode, interactive: interactive,
            profilesFile: profileOptions.profilesFile, environment: ProcessInfo.processInfo.environment)
        if status != 0 { throw ExitCode(status) }
    }
}
