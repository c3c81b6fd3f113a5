import ArgumentParser
import CredentialHelperHost
import HelperFastPath
import ReadyMadeHelper

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper doctor`: checks a profile's deployment end to end and says what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check profiles: provider, CA and proxy, client registration, keyring, TTLs and sign-in state.",
        discussion: """
            Each line is OK, WARN or FAIL with a stable code and the fix (docs/helper.md, "credhelper doctor"). \
            The app's TTL and timeout come from --config (or $CREDHELPER_CONFIG), --ttl and --timeout, else \
            the app's defaults (3600 s, 60 s). Signs nobody in and prints no secret. \
            Exit status: 0 nothing failed; 1 a check failed; 2 configuration error.
            """)

    @OptionGroup var options: ProfileOptions

    @Option(
        name: .long, parsing: .singleValue,
        help: ArgumentHelp("The app's config file or configLibrary folder (repeatable).", valueName: "path"))
    var config: [String] = []

    @Option(name: .long, help: "The app's inferenceCredentialHelperTtlSec (default: from --config, else 3600).")
    var ttl: Int?

    @Option(name: .long, help: "The app's inferenceCredentialHelperTimeoutSec (default: from --config, else 60).")
    var timeout: Int?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let readyHelper = try options.readyHelper()
        let profiles =
            try options.profile.map { _ in [try options.selected(in: readyHelper)] }
            ?? readyHelper.catalog.profiles.values.sorted { $0.name < $1.name }
        let app = try appSettings()
        var findings: [DoctorFinding] = []
        for profile in profiles { findings += await readyHelper.doctor(profile: profile, app: app) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Terminal.standardOutput(String(decoding: try encoder.encode(findings), as: UTF8.self) + "\n")
        } else {
            Terminal.standardOutput(findings.map(Self.text).joined())
        }
        if findings.contains(where: { $0.level == .fail }) { throw ExitCode(1) }
    }

    /// `FAIL redirect-uri  corp: … — fix: …`
    static func text(_ finding: DoctorFinding) -> String {
        let level = finding.level.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
        return "\(level)\(finding.profile): \(finding.code): \(finding.detail)"
            + (finding.fix.map { "\n     fix: \($0)" } ?? "") + "\n"
    }

    private func appSettings() throws -> DoctorAppSettings {
        let environment = ProcessInfo.processInfo.environment
        var paths = config
        if paths.isEmpty, let listed = environment["CREDHELPER_CONFIG"] {
            paths = listed.split(separator: ":").map(String.init)
        }
        var settings = DoctorAppSettings(ttlSeconds: 3600, timeoutSeconds: 60, source: "the app's default")
        if !paths.isEmpty {
            do {
                var layers = try ConfigurationLayer.files(at: paths)
                layers.append(ConfigurationLayer.environment(environment))
                let resolved = try HostConfiguration.resolve(layers).configuration
                settings = DoctorAppSettings(
                    ttlSeconds: resolved.ttlSeconds, timeoutSeconds: resolved.timeoutSeconds,
                    source: paths.joined(separator: ", "))
            } catch {
                Terminal.standardError("configuration error: \(error.description)\n")
                throw ExitCode(2)
            }
        }
        if let ttl { settings.ttlSeconds = ttl }
        if let timeout { settings.timeoutSeconds = timeout }
        if ttl != nil || timeout != nil { settings.source = "given on the command line" }
        return settings
    }
}
