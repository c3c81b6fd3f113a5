import ArgumentParser
import HelperFastPath
import ReadyMadeHelper
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Options shared by the commands that work on the ready-made helper's profiles.
struct ProfileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The profile to use (default: $CREDHELPER_PROFILE, the file's defaultProfile, or the only one).")
    var profile: String?

    @Option(
        name: .customLong("profiles-file"),
        help: """
            Your profiles file (default: $CREDHELPER_PROFILES, else ~/.config/credhelper/profiles.json), read \
            after the machine-wide /etc/credhelper/profiles.json.
            """)
    var profilesFile: String?

    /// The ready-made helper over the selected profiles file, printing user-facing lines on stderr.
    func readyHelper() throws -> ReadyHelper {
        let environment = ProcessInfo.processInfo.environment
        let (catalog, store) = try Self.failing { () throws(CredhelperFailure) in
            (
                try ProfileCatalog.locate(userPath: profilesFile, environment: environment),
                TokenStore(directory: try ProfileCatalog.storeDirectory(environment: environment))
            )
        }
        return ReadyHelper(
            catalog: catalog, store: store, environment: environment, say: { Terminal.standardError($0 + "\n") })
    }

    /// The selected profile.
    func selected(in readyHelper: ReadyHelper) throws -> Profile {
        try Self.failing { () throws(CredhelperFailure) in
            try readyHelper.catalog.select(profile, environment: ProcessInfo.processInfo.environment)
        }
    }

    /// Runs `body`, printing a `CredhelperFailure` as its one line and exiting with its status.
    static func failing<T>(_ body: () async throws(CredhelperFailure) -> T) async throws -> T {
        do { return try await body() } catch {
            Terminal.standardError(error.description + "\n")
            throw ExitCode(error.exitStatus)
        }
    }

    static func failing<T>(_ body: () throws(CredhelperFailure) -> T) throws -> T {
        do { return try body() } catch {
            Terminal.standardError(error.description + "\n")
            throw ExitCode(error.exitStatus)
        }
    }
}
