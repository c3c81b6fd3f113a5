import CredentialSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The trust rule for the programs the ready-made helper starts itself: an `exec` profile's command
/// and the browser opener (docs/security.md). The path must be absolute and name an existing,
/// executable regular file that ``TrustedPath`` trusts (it and every directory above it owned by root
/// or this user and not writable by group or others): another user who could replace it would choose
/// what runs with this user's tokens and environment.
enum TrustedExecutable {
    /// A sentence saying why `path` may not be run, naming it by `role` ("the exec command"), or nil
    /// when it may.
    static func problem(_ path: String, role: String) -> String? {
        guard path.hasPrefix("/") else { return "\(role) \"\(path)\" is not an absolute path; give its full path" }
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(role) \(path) does not exist" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "\(role) \(path) is not a regular file" }
        do { try TrustedPath.check(path, role: role) } catch { return error.description }
        guard access(path, X_OK) == 0 else { return "\(role) \(path) is not executable; run chmod +x \(path)" }
        return nil
    }
}
