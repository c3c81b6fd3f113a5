import CredentialHelperProtocol
import CredentialSupport
import TokenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The profiles file: where it is, what it holds, and which profile a run uses.
///
/// Default path `$XDG_CONFIG_HOME/credhelper/profiles.json` (else `~/.config/credhelper/profiles.json`),
/// overridden by `$CREDHELPER_PROFILES`. See docs/helper.md for the format.
public struct ProfileCatalog: Sendable {
    /// The file the profiles came from.
    public let path: String
    /// The profiles, by name.
    public let profiles: [String: Profile]
    /// The `defaultProfile` named in the file, if any.
    public let defaultProfile: String?

    /// The profiles file path for `environment`; a configuration error when it depends on a home
    /// directory and there is none.
    public static func defaultPath(environment: [String: String]) throws(AgentFailure) -> String {
        if let explicit = environment["CREDHELPER_PROFILES"], !explicit.isEmpty { return explicit }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return config + "/credhelper/profiles.json"
        }
        guard let home = HomeDirectory.path(environment: environment) else {
            throw AgentFailure(
                .configuration, HomeDirectory.missing("the profiles file", override: "CREDHELPER_PROFILES"))
        }
        return home + "/.config/credhelper/profiles.json"
    }

    /// The token store's directory for `environment` (see ``TokenStore/defaultDirectory(environment:)``);
    /// a configuration error when there is no home directory to put it in.
    public static func storeDirectory(environment: [String: String]) throws(AgentFailure) -> String {
        guard let directory = TokenStore.defaultDirectory(environment: environment) else {
            throw AgentFailure(
                .configuration, HomeDirectory.missing("the token store", override: "CREDHELPER_STATE_DIR"))
        }
        return directory
    }

    /// Loads and validates the file at `path`.
    ///
    /// The file decides what runs (`exec` commands) and what is sent (`static` tokens, headers), so it
    /// must be trusted as ``TrustedPath`` says: owned by root or this user, not writable by group or
    /// others, in directories that are the same (docs/security.md).
    public static func load(path: String, environment: [String: String]) throws(AgentFailure) -> ProfileCatalog {
        guard path.hasPrefix("/") else {
            throw AgentFailure(
                .configuration, "the profiles file \(path) is not an absolute path; set CREDHELPER_PROFILES to one")
        }
        do { try TrustedPath.check(path, role: "the profiles file") } catch {
            guard error.code == .missing else { throw AgentFailure(.configuration, error.description) }
        }
        let bytes: [UInt8]
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw AgentFailure(
                .configuration,
                "cannot read the profiles file \(path) (\(reason)); create it (see docs/helper.md) or set CREDHELPER_PROFILES"
            )
        }
        var info = stat()
        fstat(fd, &info)
        let worldReadable = info.st_mode & 0o044 != 0
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard count >= 0, count < buffer.count else {
            throw AgentFailure(
                .configuration, "cannot read the profiles file \(path): it is unreadable or over 256 KiB")
        }
        bytes = Array(buffer[..<count])
        return try decode(bytes, path: path, environment: environment, fileIsPrivate: !worldReadable)
    }

    /// The catalog in `bytes`, the contents of the profiles file at `path` (named in errors).
    /// `fileIsPrivate` says whether others can read the file (a `static` token needs that).
    public static func decode(_ bytes: [UInt8], path: String, environment: [String: String], fileIsPrivate: Bool)
        throws(AgentFailure) -> ProfileCatalog
    {
        let root: JSONValue
        do { root = try JSONValue.decode(bytes) } catch {
            throw AgentFailure(.configuration, "the profiles file \(path) is not valid JSON: \(error.description)")
        }
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw AgentFailure(
                .configuration,
                "the profiles file \(path) has the key \(JSONString.quoted(String(duplicate.prefix(80)))) twice in one "
                    + "object; keep one")
        }
        let reader = ProfileReader(file: path, environment: environment, fileIsPrivate: fileIsPrivate)
        return try reader.catalog(from: root)
    }

    package init(path: String, profiles: [String: Profile], defaultProfile: String?) {
        self.path = path
        self.profiles = profiles
        self.defaultProfile = defaultProfile
    }

    /// The profile a run uses: `requested` (from `--profile` or a `credhelper-NAME` link), else
    /// `$CREDHELPER_PROFILE`, else the file's `defaultProfile`, else the only profile.
    public func select(_ requested: String?, environment: [String: String]) throws(AgentFailure) -> Profile {
        let name =
            requested ?? environment["CREDHELPER_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultProfile
            ?? (profiles.count == 1 ? profiles.keys.first : nil)
        guard let name else {
            throw AgentFailure(
                .configuration,
                "\(path) has \(profiles.count) profiles and no defaultProfile; pass --profile, set "
                    + "CREDHELPER_PROFILE, or link credhelper as credhelper-NAME")
        }
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted().joined(separator: ", ")
            throw AgentFailure(
                .configuration, "no profile \"\(name)\" in \(path) (it has: \(known.isEmpty ? "none" : known))")
        }
        return profile
    }

    /// The profile name encoded in an executable name `credhelper-NAME`, if any.
    public static func profileName(fromExecutable argument0: String) -> String? {
        let base = argument0.split(separator: "/").last.map(String.init) ?? argument0
        guard base.hasPrefix("credhelper-"), base.count > "credhelper-".count else { return nil }
        return String(base.dropFirst("credhelper-".count))
    }
}
