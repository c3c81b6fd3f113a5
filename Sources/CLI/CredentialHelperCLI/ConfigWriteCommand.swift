import ArgumentParser
import CredentialHelperProtocol
import DeploymentKit

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper config write`: from an answers file and flags, every file a deployment needs, built
/// from one set of values and checked by the readers that will read them before anything is written.
struct ConfigWriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract:
            "Write the app's configuration (.mobileconfig, .plist, .reg, configLibrary) and the machine-wide profiles file.",
        discussion: """
            The app's inferenceCredentialHelperTtlSec and every profile's hostTtlSec both come from --ttl, and \
            the helper timeout defaults to \(DeploymentAnswers.signInTimeoutSeconds) s so a browser sign-in \
            fits (the app's default, 60 s, does not). Nothing is written when a value is wrong. Files are \
            written atomically, 0600 in 0700 directories. See docs/deploy.md.
            """)

    @Option(
        name: .customLong("answers"), help: ArgumentHelp("A JSON answers file (docs/deploy.md).", valueName: "file"))
    var answersFile: String?

    @Option(help: ArgumentHelp("The directory to write into (created 0700).", valueName: "dir"))
    var out: String

    @Option(
        name: .customLong("format"),
        help: ArgumentHelp(
            "mobileconfig, plist, reg, config-library, profiles or claude-code; repeatable (default: all, .reg with "
                + "--windows-helper, claude-code with the claudeCode answer).",
            valueName: "format"))
    var formats: [String] = []

    @Option(help: ArgumentHelp("The helper's absolute path on the users' machines.", valueName: "path"))
    var helper: String?

    @Option(
        name: .customLong("windows-helper"),
        help: ArgumentHelp("The helper's path on Windows, for .reg.", valueName: "path"))
    var windowsHelper: String?

    @Option(
        help: ArgumentHelp("Seconds a credential is used: the app's TTL and every hostTtlSec.", valueName: "seconds"))
    var ttl: Int?

    @Option(help: ArgumentHelp("Seconds the app waits for the helper (1-600).", valueName: "seconds"))
    var timeout: Int?

    @Option(name: .customLong("auth-scheme"), help: ArgumentHelp("bearer or x-api-key.", valueName: "scheme"))
    var authScheme: String?

    @Option(help: ArgumentHelp("Reverse-DNS prefix of the profile's identifiers (com.example).", valueName: "name"))
    var organization: String?

    @Option(name: .customLong("profile-name"), help: ArgumentHelp("The profile --issuer defines.", valueName: "name"))
    var profileName = "default"

    @Option(help: ArgumentHelp("The OAuth issuer of a profile defined by flags.", valueName: "url"))
    var issuer: String?

    @Option(name: .customLong("client-id"), help: ArgumentHelp("The OAuth client id of that profile.", valueName: "id"))
    var clientID: String?

    @Option(name: .customLong("scope"), help: ArgumentHelp("A scope of that profile; repeatable.", valueName: "scope"))
    var scopes: [String] = []

    @Option(
        name: .customLong("redirect-port"),
        help: ArgumentHelp("Its registered loopback redirect port.", valueName: "port"))
    var redirectPort: Int?

    func run() async throws {
        do {
            let deployment = try Deployment(try answers())
            let chosen = try chosenFormats(deployment)
            let written = try Deployment.write(try deployment.files(chosen), to: out)
            for path in written { Terminal.standardOutput(path + "\n") }
            if chosen.contains(.profiles) {
                Terminal.standardError(
                    "Install the profiles file as root: install -D -o root -g root -m 0644 \(out)/profiles.json "
                        + "/etc/credhelper/profiles.json (macOS: /Library/Application Support/credhelper/profiles.json)\n"
                )
            }
            for command in deployment.linkCommands {
                Terminal.standardError("Create the link the app's settings name, on every machine: \(command)\n")
            }
            if chosen.contains(.claudeCode) {
                Terminal.standardError(
                    "Install Claude Code's settings as root: install -D -o root -g root -m 0644 "
                        + "\(out)/managed-settings.json /etc/claude-code/managed-settings.json (macOS: "
                        + "/Library/Application Support/ClaudeCode/managed-settings.json)\n")
            }
        } catch {
            Terminal.error("\(error.description) [\(error.code.rawValue)]")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }

    private func answers() throws(DeploymentError) -> DeploymentAnswers {
        var answers = DeploymentAnswers()
        if let answersFile {
            guard let data = FileManager.default.contents(atPath: answersFile) else {
                throw DeploymentError(.answersUnreadable, "cannot read the answers file \(answersFile); check the path")
            }
            answers = try DeploymentAnswers(json: Array(data), source: "the answers file \(answersFile)")
        }
        if let helper { answers.helperPath = helper }
        if let windowsHelper { answers.windowsHelperPath = windowsHelper }
        if let ttl { answers.ttlSeconds = ttl }
        if let timeout { answers.timeoutSeconds = timeout }
        if let authScheme { answers.authScheme = authScheme }
        if let organization { answers.organization = organization }
        if issuer == nil, clientID == nil, !scopes.isEmpty || redirectPort != nil {
            throw DeploymentError(
                .invalidAnswer,
                "--scope and --redirect-port belong to the profile --issuer and --client-id define; pass those too")
        }
        if issuer != nil || clientID != nil {
            guard let issuer, let clientID else {
                throw DeploymentError(
                    .invalidAnswer, "--issuer and --client-id go together: pass both to define a profile")
            }
            var fields: [String: JSONValue] = ["issuer": .string(issuer), "clientId": .string(clientID)]
            if !scopes.isEmpty { fields["scopes"] = .array(scopes.map(JSONValue.string)) }
            if let redirectPort { fields["redirectPort"] = .number(Double(redirectPort)) }
            answers.profiles[profileName] = .object(fields)
        }
        return answers
    }

    private func chosenFormats(_ deployment: Deployment) throws(DeploymentError) -> [DeploymentFormat] {
        guard !formats.isEmpty else { return deployment.defaultFormats }
        var chosen: [DeploymentFormat] = []
        for name in formats {
            guard let format = DeploymentFormat(rawValue: name) else {
                throw DeploymentError(
                    .invalidAnswer,
                    "--format \(name) is not a format; use "
                        + DeploymentFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if !chosen.contains(format) { chosen.append(format) }
        }
        return chosen
    }
}
