import CredentialHelperProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How `credhelper` was started: as a helper by a host, or as a command by a person.
public enum HelperInvocation {
    /// Whether a run with these arguments is helper mode: no arguments, and either a context set by
    /// a host, a `credhelper-NAME` name, or stdin that is not a terminal (an older host that sets no
    /// context). A person typing `credhelper` at a terminal gets the usage instead.
    public static func isHelperMode(arguments: [String], environment: [String: String]) -> Bool {
        guard arguments.count == 1 else { return false }
        if environment[HelperContext.environmentVariable] != nil { return true }
        if ProfileCatalog.profileName(fromExecutable: arguments[0]) != nil { return true }
        return isatty(0) == 0
    }

    /// Whether the cached fast path may answer a run with these arguments: helper mode, or an output
    /// mode subcommand such as `credhelper token --profile corp` (``HelperRequest/subcommand(_:)``).
    public static func mayAnswerFromStore(arguments: [String], environment: [String: String]) -> Bool {
        isHelperMode(arguments: arguments, environment: environment) || HelperRequest.subcommand(arguments) != nil
    }
}
