import ArgumentParser
import CredentialHelperHost
import HelperFastPath
import ReadyMadeHelper

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `credhelper logout`: forget a profile's tokens (and revoke the refresh token).
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove a profile's stored tokens, revoking the refresh token at the provider when possible.")

    @OptionGroup var options: ProfileOptions

    @Flag(help: "Exit 1 when a stored refresh token could not be revoked at the provider (for scripts).")
    var requireRevocation = false

    @Flag(help: "Sign out of every profile and remove all tokens, keyring items and the host cache (docs/deploy.md).")
    var all = false

    func run() async throws {
        if all { return try await LogoutAll.run(options) }
        let readyHelper = try options.readyHelper()
        let profile = try options.selected(in: readyHelper)
        // The host cache (credhelper get, the proxy's disk cache) may hold the token being signed out.
        let signedOut = profile.storeKey.flatMap { try? readyHelper.store.read($0) }?.accessToken
        let outcome = try await ProfileOptions.failing { () async throws(CredhelperFailure) in
            try await readyHelper.logout(profile: profile)
        }
        var revoked = true
        switch outcome.revocation {
        case .notNeeded, .revoked: break
        case .unsupported:
            revoked = false
            Terminal.standardError(
                "warning: the provider publishes no revocation endpoint, so the refresh token was not revoked and "
                    + "stays valid until it expires; set \"revocationEndpoint\" in profile \(profile.name) if the "
                    + "provider has one\n")
        case .failed(let reason):
            revoked = false
            Terminal.standardError(
                "warning: could not revoke the refresh token at the provider (\(reason)); it stays valid until it "
                    + "expires\n")
        }
        if let signedOut,
            let cache = CredentialDiskCache.defaultDirectory(environment: ProcessInfo.processInfo.environment)
                .map(CredentialDiskCache.init(directory:)),
            cache.removeEntries(holding: signedOut) > 0
        {
            Terminal.standardError("Removed the profile's token from the host cache (\(cache.directory)).\n")
        }
        if !outcome.removed {
            Terminal.standardError("Profile \(profile.name) had no stored tokens.\n")
        } else {
            Terminal.standardError(
                revoked
                    ? "Signed out of profile \(profile.name).\n"
                    : "Signed out of profile \(profile.name) on this machine only (tokens removed locally).\n")
        }
        if requireRevocation, !revoked { throw ExitCode(1) }
    }
}
