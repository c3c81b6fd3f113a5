import CredentialSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks a helper path before anything runs it (docs/protocol.md §7, docs/security.md): absolute,
/// an existing regular file, executable by this user, and trusted as `TrustedPath` says — the file
/// and every directory above it owned by root or this user and not writable by group or others.
public enum HelperPathCheck {
    /// Throws a ``HelperError`` naming the problem and the fix, or returns when the path is safe to run.
    public static func validate(_ path: String) throws(HelperError) {
        try validateAllButExecutable(path)
        if let problem = executableProblem(path) { throw problem }
    }

    /// Every check but the executable bit, for a caller about to spawn the helper: the spawn checks that
    /// bit itself, and ``executableProblem(_:)`` names it when the spawn fails with `EACCES`.
    static func validateAllButExecutable(_ path: String) throws(HelperError) {
        guard path.hasPrefix("/") else {
            let hint =
                path.contains(" ")
                ? " It looks like a command line: the host runs the helper with no arguments, so put the "
                    + "command in a script and configure the script's absolute path"
                : " Use the full path, e.g. /usr/local/bin/\(path.split(separator: "/").last ?? "helper")"
            throw HelperError(.pathNotAbsolute, "the helper path \"\(path)\" is not absolute.\(hint)")
        }
        // On the way that succeeds, the path is walked once: TrustedPath stats every entry, the file last.
        let info: stat
        do { info = try TrustedPath.check(path, role: "the helper") } catch {
            throw explained(error, path: path)
        }
        if let problem = fileProblem(path, info) { throw problem }
    }

    /// The error for a helper this user may not execute, or nil when it may.
    static func executableProblem(_ path: String) -> HelperError? {
        guard access(path, X_OK) == 0 else {
            return HelperError(.notExecutable, "the helper \(path) is not executable; run chmod +x \(path)")
        }
        return nil
    }

    /// The error for a path TrustedPath refused, named as the checks' order says: a missing file, then
    /// a file that is not a regular one or is writable by others, then the directories on its path.
    private static func explained(_ failure: TrustedPath.Failure, path: String) -> HelperError {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return HelperError(
                .helperNotFound,
                "the helper \(path) does not exist\(argumentHint(path)); check inferenceCredentialHelper")
        }
        return fileProblem(path, info) ?? HelperError(.unsafePermissions, failure.description)
    }

    /// What is wrong with the file itself, if anything: not a regular file, or writable by others.
    private static func fileProblem(_ path: String, _ info: stat) -> HelperError? {
        guard info.st_mode & S_IFMT == S_IFREG else {
            return HelperError(
                .notExecutable,
                "the helper \(path) is not a regular file; point inferenceCredentialHelper at the executable")
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o022 == 0 else {
            return HelperError(
                .unsafePermissions,
                "the helper \(path) is writable by \(mode & 0o002 != 0 ? "every user" : "its group") (mode "
                    + "\(String(mode, radix: 8))), so another user could replace the credential; run "
                    + "chmod go-w \(path)")
        }
        return nil
    }

    /// A hint when the path holds a space and a prefix of it exists: arguments were put in the path.
    private static func argumentHint(_ path: String) -> String {
        guard let space = path.firstIndex(of: " ") else { return "" }
        var info = stat()
        guard stat(String(path[..<space]), &info) == 0 else { return "" }
        return " (\"\(path[..<space])\" exists: arguments cannot be part of the path — the host runs the "
            + "helper with no arguments, so wrap the command in a script)"
    }
}
