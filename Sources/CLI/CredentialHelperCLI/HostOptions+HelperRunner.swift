import CredentialHelperHost

extension HostOptions {
    /// The runner for the helper: this process's environment with the helper's `PATH` built as the
    /// app builds it (launch `PATH`, login-shell `PATH`, standard locations; ``HelperSearchPath``),
    /// unless `--launch-path-only` or `CREDHELPER_HELPER_PATH=0`.
    func helperRunner(environment: [String: String]) async -> HelperRunner {
        let enabled = !launchPathOnly && environment[HelperSearchPath.switchVariable] != "0"
        return HelperRunner(environment: await HelperSearchPath.environment(from: environment, enabled: enabled))
    }
}
