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

/// The profiles files: where they are, what they hold, and which profile a run uses.
///
/// Two files: the machine-wide one an administrator installs (``machinePath(environment:)``,
/// root-owned), and the user's own, `$XDG_CONFIG_HOME/credhelper/profiles.json` (else
/// `~/.config/credhelper/profiles.json`), overridden by `$CREDHELPER_PROFILES`. The user's file adds
/// profiles; it replaces a machine-wide profile of the same name only when the machine-wide file says
/// `"userProfiles": "replace"`, and is not read with `"userProfiles": "ignore"`. See docs/helper.md.
public struct ProfileCatalog: Sendable {
    /// The files the profiles came from, machine-wide first (one or two).
    public let files: [String]
    /// The profiles, by name.
    public let profiles: [String: Profile]
    /// The `defaultProfile` in effect, if any.
    public let defaultProfile: String?
    /// The file each profile came from, by profile name.
    public let origins: [String: String]
    /// Profiles of the user's file that were not used because the machine-wide file has one of the
    /// same name (and does not allow replacing it), by name, with the user's file.
    public let ignoredUserProfiles: [String: String]

    /// Whether profile `name` comes from the machine-wide file while a user's file is read too.
    public func isMachineWide(_ name: String) -> Bool {
        files.count == 2 && profiles[name] != nil && origins[name] == files[0]
    }

    /// The files, for messages: `A` or `A and B`.
    public var filesDescription: String { files.joined(separator: " and ") }

    /// What the machine-wide file allows the user's file to do (its `userProfiles` key).
    public enum UserProfiles: String, Sendable {
        /// Add profiles with new names (the default).
        case add
        /// Add profiles, and replace machine-wide ones of the same name.
        case replace
        /// Nothing: the user's file is not read.
        case ignore
    }

    /// The machine-wide profiles file: `$CREDHELPER_MACHINE_PROFILES` when set to an absolute path
    /// (for tests and unusual layouts), else `/etc/credhelper/profiles.json` on Linux and
    /// `/Library/Application Support/credhelper/profiles.json` on macOS.
    public static func machinePath(environment: [String: String]) -> String {
        if let explicit = environment["CREDHELPER_MACHINE_PROFILES"], explicit.hasPrefix("/") { return explicit }
        #if canImport(Darwin)
            return "/Library/Application Support/credhelper/profiles.json"
        #else
            return "/etc/credhelper/profiles.json"
        #endif
    }

    /// The profiles a run sees: the machine-wide file (when present) merged with the user's file
    /// (`userPath`, else ``defaultPath(environment:)``; when present and allowed). A configuration
    /// error when neither exists, or when one is untrusted or invalid.
    public static func locate(userPath: String? = nil, environment: [String: String]) throws(CredhelperFailure)
        -> ProfileCatalog
    {
        let machineFile = machinePath(environment: environment)
        let machine = try loadIfPresent(path: machineFile, environment: environment, machineWide: true)
        var userFile = userPath
        if userFile == nil, machine?.policy != .ignore {
            do { userFile = try defaultPath(environment: environment) } catch {
                // With a machine-wide file, no home directory only means no user file.
                guard machine != nil else { throw error }
            }
        }
        let user: Loaded? =
            machine?.policy == .ignore
            ? nil
            : try userFile.flatMap { path throws(CredhelperFailure) in
                try loadIfPresent(path: path, environment: environment, machineWide: false)
            }
        guard let machine else {
            guard let user else { throw missing(userFile ?? "", machineFile: machineFile) }
            return user.catalog
        }
        guard let user else { return machine.catalog }
        return merge(machine: machine, user: user)
    }

    /// The profiles file path for `environment`; a configuration error when it depends on a home
    /// directory and there is none.
    public static func defaultPath(environment: [String: String]) throws(CredhelperFailure) -> String {
        if let explicit = environment["CREDHELPER_PROFILES"], !explicit.isEmpty { return explicit }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return config + "/credhelper/profiles.json"
        }
        guard let home = HomeDirectory.path(environment: environment) else {
            throw CredhelperFailure(
                .configuration, HomeDirectory.missing("the profiles file", override: "CREDHELPER_PROFILES"))
        }
        return home + "/.config/credhelper/profiles.json"
    }

    /// The token store's directory for `environment` (see ``TokenStore/defaultDirectory(environment:)``);
    /// a configuration error when there is no home directory to put it in.
    public static func storeDirectory(environment: [String: String]) throws(CredhelperFailure) -> String {
        guard let directory = TokenStore.defaultDirectory(environment: environment) else {
            throw CredhelperFailure(
                .configuration, HomeDirectory.missing("the token store", override: "CREDHELPER_STATE_DIR"))
        }
        return directory
    }

    /// Loads and validates the one file at `path` (a configuration error when it is missing).
    public static func load(path: String, environment: [String: String]) throws(CredhelperFailure) -> ProfileCatalog {
        guard let loaded = try loadIfPresent(path: path, environment: environment, machineWide: false) else {
            throw missing(path, machineFile: nil)
        }
        return loaded.catalog
    }

    struct Loaded {
        let catalog: ProfileCatalog
        let policy: UserProfiles
    }

    /// The file at `path`, or nil when there is none.
    ///
    /// The file decides what runs (`exec` commands) and what is sent (`static` tokens, headers), so it
    /// must be trusted as ``TrustedPath`` says: owned by root or this user, not writable by group or
    /// others, in directories that are the same (docs/security.md). The machine-wide file must belong
    /// to root.
    static func loadIfPresent(path: String, environment: [String: String], machineWide: Bool) throws(CredhelperFailure)
        -> Loaded?
    {
        let role = machineWide ? "the machine-wide profiles file" : "the profiles file"
        guard path.hasPrefix("/") else {
            throw CredhelperFailure(
                .configuration, "\(role) \(path) is not an absolute path; set CREDHELPER_PROFILES to one")
        }
        do { try TrustedPath.check(path, role: role) } catch {
            guard error.code == .missing else { throw CredhelperFailure(.configuration, error.description) }
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            let reason = String(cString: strerror(errno))
            throw CredhelperFailure(.configuration, "cannot read \(role) \(path) (\(reason)); check its permissions")
        }
        var info = stat()
        fstat(fd, &info)
        // One byte more than the file's size (capped), so a file that grew is still seen as too big.
        var buffer = [UInt8](repeating: 0, count: min(max(Int(info.st_size), 0), 256 * 1024 - 1) + 1)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard !machineWide || info.st_uid == 0 else {
            throw CredhelperFailure(
                .configuration,
                "\(role) \(path) belongs to user id \(info.st_uid), not root; only an administrator may install it "
                    + "(sudo chown root:root \(path))")
        }
        guard count >= 0, count < buffer.count else {
            throw CredhelperFailure(.configuration, "cannot read \(role) \(path): it is unreadable or over 256 KiB")
        }
        let bytes = Array(buffer[..<count])
        let worldReadable = info.st_mode & 0o044 != 0
        let reader = ProfileReader(
            file: path, environment: environment, fileIsPrivate: !worldReadable, machineWide: machineWide)
        let root = try parse(bytes, path: path)
        return Loaded(catalog: try reader.catalog(from: root), policy: try reader.userProfiles(in: root))
    }

    static func missing(_ path: String, machineFile: String?) -> CredhelperFailure {
        CredhelperFailure(
            .configuration,
            "cannot read the profiles file \(path) (\(String(cString: strerror(ENOENT)))); create it (see "
                + "docs/helper.md) or set CREDHELPER_PROFILES"
                + (machineFile.map { ", or have an administrator install the machine-wide \($0)" } ?? ""))
    }

    static func merge(machine: Loaded, user: Loaded) -> ProfileCatalog {
        var profiles = machine.catalog.profiles
        var origins = machine.catalog.origins
        var ignored: [String: String] = [:]
        for (name, profile) in user.catalog.profiles {
            if profiles[name] != nil && machine.policy != .replace {
                ignored[name] = user.catalog.files[0]
                continue
            }
            profiles[name] = profile
            origins[name] = user.catalog.files[0]
        }
        var defaultProfile = machine.catalog.defaultProfile
        if defaultProfile == nil || machine.policy == .replace {
            defaultProfile = user.catalog.defaultProfile ?? defaultProfile
        }
        return ProfileCatalog(
            files: machine.catalog.files + user.catalog.files, profiles: profiles, defaultProfile: defaultProfile,
            origins: origins, ignoredUserProfiles: ignored)
    }

    static func parse(_ bytes: [UInt8], path: String) throws(CredhelperFailure) -> JSONValue {
        let root: JSONValue
        do { root = try JSONValue.decode(bytes) } catch {
            throw CredhelperFailure(.configuration, "the profiles file \(path) is not valid JSON: \(error.description)")
        }
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw CredhelperFailure(
                .configuration,
                "the profiles file \(path) has the key \(JSONString.quoted(String(duplicate.prefix(80)))) twice in one "
                    + "object; keep one")
        }
        return root
    }

    /// The catalog in `bytes`, the contents of the profiles file at `path` (named in errors).
    /// `fileIsPrivate` says whether others can read the file (a `static` token needs that).
    public static func decode(_ bytes: [UInt8], path: String, environment: [String: String], fileIsPrivate: Bool)
        throws(CredhelperFailure) -> ProfileCatalog
    {
        let reader = ProfileReader(file: path, environment: environment, fileIsPrivate: fileIsPrivate)
        return try reader.catalog(from: try parse(bytes, path: path))
    }

    package init(
        files: [String], profiles: [String: Profile], defaultProfile: String?, origins: [String: String],
        ignoredUserProfiles: [String: String] = [:]
    ) {
        self.files = files
        self.profiles = profiles
        self.defaultProfile = defaultProfile
        self.origins = origins
        self.ignoredUserProfiles = ignoredUserProfiles
    }

    /// The profile a run uses: `requested` (from `--profile` or a `credhelper-NAME` link), else
    /// `$CREDHELPER_PROFILE`, else the file's `defaultProfile`, else the only profile.
    public func select(_ requested: String?, environment: [String: String]) throws(CredhelperFailure) -> Profile {
        let name =
            requested ?? environment["CREDHELPER_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultProfile
            ?? (profiles.count == 1 ? profiles.keys.first : nil)
        guard let name else {
            throw CredhelperFailure(
                .configuration,
                "\(filesDescription) \(files.count > 1 ? "have" : "has") \(profiles.count) profiles and no defaultProfile; pass --profile, set "
                    + "CREDHELPER_PROFILE, or link credhelper as credhelper-NAME")
        }
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted().joined(separator: ", ")
            throw CredhelperFailure(
                .configuration,
                "no profile \"\(name)\" in \(filesDescription) (\(files.count > 1 ? "they have" : "it has"): "
                    + "\(known.isEmpty ? "none" : known))")
        }
        return profile
    }

    /// The link name encoded in an executable name: `NAME` for `credhelper-NAME`, `@MODE` for
    /// `credhelper@MODE` (and `credhelper-full@MODE`); nil for `credhelper` and `credhelper-full`
    /// themselves, which name no profile.
    public static func profileName(fromExecutable argument0: String) -> String? {
        let base = argument0.split(separator: "/").last.map(String.init) ?? argument0
        for binary in ["credhelper-full", "credhelper"] where base.hasPrefix(binary + "@") {
            return String(base.dropFirst(binary.count))
        }
        guard base.hasPrefix("credhelper-"), base.count > "credhelper-".count, base != "credhelper-full" else {
            return nil
        }
        return String(base.dropFirst("credhelper-".count))
    }
}
