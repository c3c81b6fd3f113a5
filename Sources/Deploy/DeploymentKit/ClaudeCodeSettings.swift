import CredentialHelperProtocol

/// Claude Code's managed settings for the helpers it runs, each answered by one machine-wide profile
/// through the `credhelper` subcommand of the output mode that consumer wants (docs/helper.md,
/// "Output modes"). Claude Code runs these settings through `/bin/sh`, so a subcommand with
/// arguments works and no link is needed; a value is quoted for the shell when it has to be.
struct ClaudeCodeSettings {
    /// The settings `config write` can answer, and the `credhelper` arguments for each.
    static let commands: [String: [String]] = [
        "apiKeyHelper": ["token"],
        "otelHeadersHelper": ["headers"],
        "awsCredentialExport": ["aws", "aws-export"],
    ]

    /// The settings file's object, checked against the answers: each setting known, each profile
    /// one of the machine-wide profiles, and `awsCredentialExport`'s profile one with `aws` settings.
    static func object(_ answers: DeploymentAnswers) throws(DeploymentError) -> JSONValue {
        guard !answers.claudeCode.isEmpty else {
            throw DeploymentError(
                .invalidAnswer,
                "--format claude-code needs the answer claudeCode, e.g. {\"apiKeyHelper\": \"corp\"} (a setting of "
                    + "\(commands.keys.sorted().joined(separator: ", ")) → the profile that answers it)")
        }
        var settings: [String: JSONValue] = [:]
        for (setting, profile) in answers.claudeCode.sorted(by: { $0.key < $1.key }) {
            guard let arguments = commands[setting] else {
                throw DeploymentError(
                    .invalidAnswer,
                    "claudeCode.\(JSONString.quoted(setting)) is not a Claude Code helper setting credhelper answers; "
                        + "use \(commands.keys.sorted().joined(separator: ", "))")
            }
            guard let entry = answers.profiles[profile] else {
                throw DeploymentError(
                    .invalidAnswer,
                    "claudeCode.\(setting) names the profile \(JSONString.quoted(profile)), which is not one of "
                        + "the answers' profiles (\(answers.profiles.keys.sorted().joined(separator: ", ")))")
            }
            if setting == "awsCredentialExport" {
                guard case .object(let fields) = entry, fields["aws"] != nil || fields["kind"] == .string("aws-chain")
                else {
                    throw DeploymentError(
                        .invalidAnswer,
                        "claudeCode.awsCredentialExport names the profile \(JSONString.quoted(profile)), which has no "
                            + "\"aws\" settings (role ARN, region) and is not an aws-chain profile; add them (docs/clouds.md) or "
                            + "name an AWS profile")
                }
            }
            let words = [answers.helperPath] + arguments + ["--profile", profile]
            settings[setting] = .string(words.map(shellWord).joined(separator: " "))
        }
        return .object(settings)
    }

    /// `word` as one word for `/bin/sh`: as it is when it holds only safe characters, else in
    /// single quotes (a `'` inside written `'\''`).
    static func shellWord(_ word: String) -> String {
        let safe =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic
                        || ("0"..."9").contains($0) || "/._-@=+:,".unicodeScalars.contains($0))
            }
        if safe { return word }
        // By scalar: a quote followed by a combining mark is one Character that is not "'".
        var quoted = String.UnicodeScalarView()
        quoted.append("'")
        for scalar in word.unicodeScalars {
            if scalar == "'" { quoted.append(contentsOf: "'\\''".unicodeScalars) } else { quoted.append(scalar) }
        }
        quoted.append("'")
        return String(quoted)
    }
}
