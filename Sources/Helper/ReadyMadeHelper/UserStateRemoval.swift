import CredentialHelperHost
import OSKeyring

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

/// Everything credhelper keeps for one user, removed for `credhelper logout --all` (docs/deploy.md,
/// "Uninstall"): every token file in the token store with its lock files, the keyring item of every
/// token file (items carry the file's name), and every answer in the host cache. Files of profiles
/// no longer in any profiles file are removed too: they are found by directory, not by profile.
/// Profiles files are configuration, not state, and are left alone.
public struct UserStateRemoval: Sendable {
    /// The token store's directory.
    public let storeDirectory: String
    /// The host cache's directory (`credhelper get`, the proxy), when there is one.
    public let cacheDirectory: String?
    /// The keyring that holds the items of token files kept with `tokenStorage` keyring.
    public let keyring: any Keyring

    /// Removal of the state in these places, with this system's keyring reached with `environment`.
    public init(storeDirectory: String, cacheDirectory: String?, environment: [String: String]) {
        self.storeDirectory = storeDirectory
        self.cacheDirectory = cacheDirectory
        self.keyring = SystemKeyring.make(environment: environment)
    }

    /// What was removed, and what could not be.
    public struct Outcome: Sendable, Hashable {
        /// Token files removed.
        public var tokenFiles = 0
        /// Keyring items removed.
        public var keyringItems = 0
        /// Host cache files removed.
        public var cacheFiles = 0
        /// Sentences naming what is left and why.
        public var problems: [String] = []
    }

    /// Removes the user's state; never throws, but reports what it could not remove.
    public func run(until deadline: ContinuousClock.Instant) async -> Outcome {
        var outcome = Outcome()
        for name in Self.entries(storeDirectory) {
            let path = storeDirectory + "/" + name
            if name.hasSuffix(".json"), !name.hasPrefix(".") {
                let item = String(name.dropLast(".json".count))
                let usesKeyring =
                    (try? String(contentsOfFile: path, encoding: .utf8))?.contains("\"inKeyring\"") ?? true
                do {
                    if try await keyring.remove(item, until: deadline) { outcome.keyringItems += 1 }
                } catch  where usesKeyring {
                    outcome.problems.append(
                        "the keyring item of \(path) could not be removed (\(error.message)); remove the items of "
                            + "service \(SystemKeyring.service) in your keyring manager")
                } catch {}
            }
            if unlink(path) == 0 {
                if name.hasSuffix(".json") { outcome.tokenFiles += 1 }
            } else if errno != ENOENT {
                outcome.problems.append("cannot remove \(path): \(String(cString: strerror(errno)))")
            }
        }
        rmdir(storeDirectory)
        if let cacheDirectory {
            for name in Self.entries(cacheDirectory) {
                let path = cacheDirectory + "/" + name
                if unlink(path) == 0 {
                    outcome.cacheFiles += 1
                } else if errno != ENOENT {
                    outcome.problems.append("cannot remove \(path): \(String(cString: strerror(errno)))")
                }
            }
            rmdir(cacheDirectory)
        }
        return outcome
    }

    /// The names of the regular files in `directory` (none when it does not exist).
    private static func entries(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            var info = stat()
            return lstat(directory + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
    }
}
