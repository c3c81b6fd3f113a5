import CredentialHelperProtocol
import CredentialSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an administrator's configuration lives. A config file is managed — when present it wins and
/// the user's own values are ignored — because of where it is, never because of its format: the user can
/// write a property list anywhere, but not into these directories. A file is managed when, with
/// symbolic links resolved, it lies inside one of ``directories`` and is owned by ``owner`` (root);
/// it has already passed `TrustedPath` like every config file (docs/configuration.md).
public struct ManagedLocations: Sendable, Hashable {
    /// The directories whose files are managed.
    public let directories: [String]
    /// The user id a managed file must belong to: root.
    public let owner: UInt32

    /// Managed locations at `directories`, whose files must belong to `owner`.
    public init(directories: [String], owner: UInt32 = 0) {
        self.directories = directories
        self.owner = owner
    }

    /// The system's managed locations: macOS managed preferences, written by MDM; the folder of
    /// the app's Linux managed file (`/etc/claude-desktop/managed-settings.json`); and
    /// `/etc/credhelper/managed` for other files an administrator keeps.
    public static let system = ManagedLocations(directories: [
        "/Library/Managed Preferences", "/etc/claude-desktop", "/etc/credhelper/managed",
    ])

    /// Whether the config file or folder at `path` is managed. One inside a managed directory that
    /// does not belong to ``owner`` is refused: something is wrong with that directory.
    func isManaged(_ path: String) throws(ConfigurationError) -> Bool {
        guard let resolved = Self.resolved(path) else { return false }
        var info = stat()
        let fileOwner = stat(resolved, &info) == 0 ? UInt32(info.st_uid) : nil
        return try isManaged(resolved: resolved, owner: fileOwner, shownAs: path)
    }

    /// Whether the file at `resolved` (symbolic links already resolved), owned by `fileOwner`, is
    /// managed; `path` names it in messages. One inside a managed directory that does not belong to
    /// ``owner`` is refused.
    func isManaged(resolved: String, owner fileOwner: UInt32?, shownAs path: String) throws(ConfigurationError) -> Bool
    {
        for directory in directories {
            guard let root = Self.resolved(directory), resolved.hasPrefix(root == "/" ? root : root + "/") else {
                continue
            }
            guard fileOwner == owner else {
                throw .unusable(
                    "config file \(path) is in the managed location \(directory) but does not belong to "
                        + "\(owner == 0 ? "root" : "user \(owner)"), as managed configuration must; have an "
                        + "administrator fix its owner or remove it")
            }
            return true
        }
        return false
    }

    /// `path` with symbolic links, `.` and `..` resolved, or nil when it does not exist.
    private static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
