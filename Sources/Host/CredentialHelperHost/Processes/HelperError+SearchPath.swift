/// Exit statuses 126 and 127, which a helper script gets from its shell when a program it runs
/// cannot be executed or is not found (POSIX, `sh` §2.8.2).
extension HelperError {
    /// Whether `status` is the shell's "not found" (127) or "found but not executable" (126).
    public static func isCommandNotRunnable(_ status: Int32) -> Bool { status == 126 || status == 127 }

    /// This error, with a sentence naming `searchPath` when the helper exited with 126 or 127: the
    /// usual cause is a program the helper calls by name that is not on the helper's `PATH`.
    public func namingSearchPath(_ searchPath: String?) -> HelperError {
        guard code == .nonZeroExit, let status = exitStatus, Self.isCommandNotRunnable(status) else { return self }
        var error = HelperError(
            code,
            message + "; " + Self.commandNotRunnableSentence(status: status, searchPath: searchPath),
            stderrTail: stderrTail)
        error.exitStatus = exitStatus
        return error
    }

    /// What 126 or 127 means and the `PATH` the helper had, as host errors and `check` say it.
    public static func commandNotRunnableSentence(status: Int32, searchPath: String?) -> String {
        let what =
            status == 127
            ? "a program the helper runs was not found"
            : "a program the helper runs was found but could not be executed (permissions, or a bad #! line)"
        let shown = searchPath.map { "\"\($0)\"" } ?? "unset"
        return "status \(status) usually means \(what); the helper ran with PATH=\(shown) — call the program by "
            + "its absolute path, or install it in one of these directories"
    }
}
