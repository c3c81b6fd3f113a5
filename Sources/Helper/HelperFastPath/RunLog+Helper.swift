import CredentialHelperProtocol
import TokenStore

extension RunLog {
    /// Logs a run the static `credhelper` answered from the store. The profile is named as the host
    /// selected it (`--profile` of a mode subcommand, the link name or `CREDHELPER_PROFILE`),
    /// `(default)` otherwise: the fast path does not read the profiles file again to name it.
    public static func recordCached(
        arguments: [String], environment: [String: String], since started: ContinuousClock.Instant
    ) {
        guard let directory = TokenStore.defaultDirectory(environment: environment) else { return }
        let profile =
            HelperRequest.subcommand(arguments)?.profile
            ?? arguments.first.flatMap { HelperRequest(executable: $0).linkedProfile }
            ?? environment["CREDHELPER_PROFILE"]
            ?? "(default)"
        RunLog(directory: directory).append(
            Entry(
                profile: profile, context: environment[HelperContext.environmentVariable], outcome: "cached",
                durationMs: milliseconds(since: started)))
    }

    /// Milliseconds from `started` to now.
    public static func milliseconds(since started: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
