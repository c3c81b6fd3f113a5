import ArgumentParser
import CredentialHelperHost
import HelperFastPath
import ReadyMadeHelper
import TokenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper logout --all`: signs out of every profile that has tokens (revoking refresh tokens
/// where the provider allows), then removes everything credhelper keeps for this user — every token
/// file, the keyring items, the host cache — including what profiles no longer listed left behind.
enum LogoutAll {
    static func run(_ options: ProfileOptions) async throws {
        guard options.profile == nil else {
            Terminal.error(
                "--all signs out of every profile; leave out --profile, or leave out --all to sign out of one")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let environment = ProcessInfo.processInfo.environment
        let storeDirectory = try ProfileOptions.failing { () throws(CredhelperFailure) in
            try ProfileCatalog.storeDirectory(environment: environment)
        }
        // Revoke first, while the tokens are there; without a profiles file, removal alone still runs.
        var signedOut: [String] = []
        if let catalog = try? ProfileCatalog.locate(userPath: options.profilesFile, environment: environment) {
            let readyHelper = ReadyHelper(
                catalog: catalog, store: TokenStore(directory: storeDirectory), environment: environment,
                say: { Terminal.standardError($0 + "\n") })
            for name in catalog.profiles.keys.sorted() {
                guard let profile = catalog.profiles[name],
                    let outcome = try? await readyHelper.logout(profile: profile), outcome.removed
                else { continue }
                signedOut.append(name)
                if case .failed(let reason) = outcome.revocation {
                    Terminal.warning(
                        "could not revoke profile \(name)'s refresh token (\(reason)); it stays valid until it expires")
                }
            }
        }
        let removal = UserStateRemoval(
            storeDirectory: storeDirectory,
            cacheDirectory: CredentialDiskCache.defaultDirectory(environment: environment),
            environment: environment)
        let outcome = await removal.run(until: .now + .seconds(20))
        Terminal.standardError(
            (signedOut.isEmpty ? "" : "Signed out of \(signedOut.joined(separator: ", ")). ")
                + "Removed \(outcome.tokenFiles) more token file(s) from \(storeDirectory), \(outcome.keyringItems) keyring "
                + "item(s) and \(outcome.cacheFiles) host cache file(s)"
                + (removal.cacheDirectory.map { " from \($0)" } ?? "") + ".\n")
        for problem in outcome.problems { Terminal.warning(problem) }
        if !outcome.problems.isEmpty { throw ExitCode(1) }
    }
}
