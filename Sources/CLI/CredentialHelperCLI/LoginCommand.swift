import ArgumentParser
import HelperFastPath
import ReadyMadeHelper

/// `credhelper login`: sign in to a profile's identity provider now.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in to a profile's identity provider (browser, or --device for a code).",
        discussion: "Exit status: 0 signed in; 1 the sign-in failed; 2 configuration error.")

    @OptionGroup var options: ProfileOptions

    @Flag(name: .long, help: "Use the device authorization grant: show a code to enter on any device.")
    var device = false

    @Option(name: .long, help: "How long to wait for the sign-in to finish, in seconds.")
    var timeout: Int = 600

    func run() async throws {
        let readyHelper = try options.readyHelper()
        let profile = try options.selected(in: readyHelper)
        let record = try await ProfileOptions.failing { () async throws(CredhelperFailure) in
            try await readyHelper.login(profile: profile, device: device, timeout: .seconds(max(timeout, 1)))
        }
        let who = record.displayName ?? record.subject
        Terminal.standardError("Signed in to profile \(profile.name)" + (who.map { " as \($0)" } ?? "") + ".\n")
    }
}
