import ArgumentParser
import HelperFastPath
import HelperSignIn

/// `credhelper logout`: forget a profile's tokens (and revoke the refresh token).
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove a profile's stored tokens, revoking the refresh token at the provider when possible.")

    @OptionGroup var options: ProfileOptions

    func run() async throws {
        let agent = try options.agent()
        let profile = try options.selected(in: agent)
        let removed = try await ProfileOptions.failing { () async throws(AgentFailure) in
            try await agent.logout(profile: profile)
        }
        Terminal.standardError(
            removed ? "Signed out of profile \(profile.name).\n" : "Profile \(profile.name) had no stored tokens.\n")
    }
}
