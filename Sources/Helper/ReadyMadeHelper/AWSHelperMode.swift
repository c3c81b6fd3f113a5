import AWSSigning
import CredentialHelperProtocol
import CredentialSupport
import HelperFastPath
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The AWS output modes (``AWSOutputMode``), run by a consumer through a `credhelper-PROFILE@MODE`
/// link or as `credhelper aws MODE`: prints the Bedrock API key, `credential_process` JSON or
/// `awsCredentialExport` JSON on stdout, or one line on stderr; exits 0, 1 or 2 like helper mode.
///
/// The context comes from `CLAUDE_HELPER_CONTEXT` when the consumer sets it (the app's helper for a
/// Bedrock key). A consumer that sets none (the AWS SDKs, Claude Code's `awsCredentialExport`) gets
/// the silent path, and a sign-in only when `interactive` is asked for or stdin and stderr are a
/// terminal (a person running it).
public enum AWSHelperMode {
    /// Runs `modeName` for `profileName` (nil: the default profile) and returns the exit status.
    public static func run(
        profile profileName: String?, mode modeName: String, interactive: Bool = false, profilesFile: String? = nil,
        environment: [String: String]
    ) async -> Int32 {
        let say: @Sendable (String) -> Void = { line in ProcessIO.write(2, Array((line + "\n").utf8)) }
        guard let mode = AWSOutputMode(rawValue: modeName) else {
            say(
                CredhelperFailure(
                    .configuration,
                    "unknown output mode \"\(modeName)\"; use one of \(AWSOutputMode.names) (as in a link named "
                        + "credhelper-PROFILE@bedrock-key), or a token mode: inference, \(OutputMode.names)"
                ).description)
            return 2
        }
        var context: HelperContext?
        if let value = environment[HelperContext.environmentVariable] {
            do { context = try HelperContext.parse(value) } catch {
                say("warning: unknown \(HelperContext.environmentVariable) \"\(value)\"; using the silent path only")
            }
        }
        if interactive || (context == nil && isatty(0) == 1 && isatty(2) == 1) { context = .interactive }
        do {
            let catalog = try ProfileCatalog.locate(userPath: profilesFile, environment: environment)
            let profile = try catalog.select(profileName, environment: environment)
            let readyHelper = ReadyHelper(
                catalog: catalog,
                store: TokenStore(directory: try ProfileCatalog.storeDirectory(environment: environment)),
                environment: environment, say: say)
            let credentials = try await readyHelper.awsCredentials(profile: profile, context: context)
            guard let output = profile.awsOutput,
                let output = AWSAnswer.encoded(
                    credentials, mode: mode, profile: profile, region: output.region,
                    bedrockKeyLifetime: output.bedrockKeyLifetime, now: Date().timeIntervalSince1970)
            else {
                say(
                    CredhelperFailure(
                        .awsSTSError,
                        "the AWS credentials of profile \"\(profileName ?? "")\" have no time left for a "
                            + "Bedrock API key; try again"
                    ).description)
                return 1
            }
            guard ProcessIO.write(1, output) else {
                say("cannot write the answer to stdout: \(String(cString: strerror(errno)))")
                return 1
            }
            return 0
        } catch {
            say(error.description)
            return error.exitStatus
        }
    }
}
