#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The user's home directory, for the default locations of the profiles file, the token store and
/// the host cache: `$HOME` when it is an absolute path, else the account's home in the password
/// database, else none. Never a shared temporary directory, which another local user could prepare
/// (docs/security.md).
public enum HomeDirectory {
    /// The home directory, or nil when neither `HOME` nor the password database names one.
    public static func path(environment: [String: String]) -> String? {
        if let home = environment["HOME"], home.hasPrefix("/") { return home }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &result) == 0, result != nil,
            let directory = entry.pw_dir
        else { return nil }
        let home = String(cString: directory)
        return home.hasPrefix("/") && home != "/nonexistent" ? home : nil
    }

    /// The sentence for a configuration error when there is no home directory; `override` names
    /// the variable that sets the location directly.
    public static func missing(_ what: String, override: String) -> String {
        "cannot locate \(what): HOME is not set and this account has no home directory in the password "
            + "database; set HOME, or set \(override)"
    }
}
