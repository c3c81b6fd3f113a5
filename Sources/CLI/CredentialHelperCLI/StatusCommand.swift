import ArgumentParser
import HelperFastPath
import ReadyMadeHelper
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper status`: who is signed in and until when — never a token.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show who is signed in for each profile, the token's expiry and whether a refresh token is stored.",
        discussion: "Prints no secret. Exit status: 0; 2 configuration error.")

    @OptionGroup var options: ProfileOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let readyHelper = try options.readyHelper()
        let profiles =
            try options.profile.map { _ in [try options.selected(in: readyHelper)] }
            ?? readyHelper.catalog.profiles.values.sorted { $0.name < $1.name }
        let statuses = profiles.map(readyHelper.status(profile:))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Terminal.standardOutput(String(decoding: try encoder.encode(statuses), as: UTF8.self) + "\n")
            return
        }
        for status in statuses { Terminal.standardOutput(Self.text(status)) }
    }

    static func text(_ status: ProfileStatus) -> String {
        var lines = ["\(status.profile):"]
        if let issuer = status.issuer { lines.append("  issuer: \(issuer)") }
        if let problem = status.problem {
            lines.append("  problem: \(problem)")
        } else if !status.signedIn {
            lines.append(
                status.issuer == nil
                    ? "  nothing stored" : "  not signed in (run credhelper login --profile \(status.profile))")
        } else {
            if let subject = status.subject { lines.append("  signed in as: \(subject)") }
            if let expiresIn = status.expiresIn {
                lines.append(
                    expiresIn > 0
                        ? "  token expires in: \(duration(expiresIn))" : "  token expired \(duration(-expiresIn)) ago")
            } else {
                lines.append("  token expiry: unknown")
            }
            if let expiresAt = status.tokenExpiresAt { lines.append("  token expires at: \(expiresAt)") }
            lines.append("  scopes: \(status.scopes?.joined(separator: " ") ?? "unknown")")
            lines.append("  audience: \(status.audience?.joined(separator: " ") ?? "none stated")")
            let location = status.refreshTokenIn == "keyring" ? " (in the OS keyring)" : " (in the token file)"
            if let rejectedAt = status.refreshRejectedAt {
                lines.append(
                    "  refresh token: rejected by the identity provider at \(rejectedAt) (the session expired or was "
                        + "revoked); run credhelper login --profile \(status.profile)")
                lines.append("  covers the host TTL: \(status.coversHostTTL ? "yes" : "no (a sign-in is required)")")
            } else {
                lines.append("  refresh token: \(status.refreshTokenPresent ? "present\(location)" : "none")")
                let next = status.refreshTokenPresent ? "the next run refreshes" : "a sign-in is due when it expires"
                lines.append("  covers the host TTL: \(status.coversHostTTL ? "yes" : "no (\(next))")")
            }
        }
        if let path = status.storePath { lines.append("  stored in: \(path)") }
        if let runs = status.lastRuns, !runs.isEmpty {
            lines.append("  last runs:")
            for run in runs {
                let code = run.code.map { " (\($0))" } ?? ""
                let deadline = run.deadlineMs.map { ", deadline \($0) ms" } ?? ""
                lines.append("    \(run.at) \(run.context): \(run.outcome)\(code) in \(run.durationMs) ms\(deadline)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        if total >= 3600 { return "\(total / 3600) h \(total % 3600 / 60) min" }
        if total >= 60 { return "\(total / 60) min \(total % 60) s" }
        return "\(total) s"
    }
}
