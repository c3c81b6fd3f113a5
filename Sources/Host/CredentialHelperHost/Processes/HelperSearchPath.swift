import CredentialHelperProtocol
import CredentialSupport

/// The `PATH` a helper runs with, built as the desktop app builds it (docs/protocol.md §3.1): the
/// host's launch `PATH`, then the user's login-shell `PATH` (``LoginShellPath``), then the standard
/// install locations (``standardLocations(home:)``), each directory once, in that order. Empty and
/// relative entries are dropped: they name a different directory for every working directory.
///
/// A helper that calls `aws`, `gcloud` or a company CLI by name then finds it when the host was
/// started with a bare GUI environment (`PATH=/usr/bin:/bin`), as it does in a terminal.
public enum HelperSearchPath {
    /// The environment variable that turns the login-shell and standard-location entries off for
    /// CLI hosts when set to `0` (the `--launch-path-only` flag does the same).
    public static let switchVariable = "CREDHELPER_HELPER_PATH"

    /// The standard install locations for this platform, `~` expanded with `home`.
    public static func standardLocations(home: String?) -> [String] {
        #if os(macOS)
            var locations = [
                "/opt/homebrew/bin", "/opt/homebrew/sbin", "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin",
            ]
        #else
            var locations = [
                "/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin", "/snap/bin",
            ]
        #endif
        if let home, home.hasPrefix("/") {
            let base = home.hasSuffix("/") ? String(home.dropLast()) : home
            locations.append(base + "/.local/bin")
        }
        return locations
    }

    /// `launch`, then `login`, then `standard`, joined with `:`: every absolute directory once, in
    /// the order first seen.
    public static func compose(launch: String?, login: [String], standard: [String]) -> String {
        var seen = Set<String>()
        var entries: [String] = []
        let launchEntries = (launch ?? "").split(separator: ":").map(String.init)
        for entry in launchEntries + login + standard where entry.hasPrefix("/") && seen.insert(entry).inserted {
            entries.append(entry)
        }
        return entries.joined(separator: ":")
    }

    /// `launch` with `PATH` replaced by the helper's `PATH`; unchanged when `enabled` is false.
    /// The login shell is probed at most once per process (``LoginShellPath``).
    public static func environment(
        from launch: [String: String], enabled: Bool = true, shell: String? = nil,
        timeout: Duration = LoginShellPath.defaultTimeout
    ) async -> [String: String] {
        guard enabled else { return launch }
        let login = await LoginShellPath.entries(shell: shell, environment: launch, timeout: timeout)
        var environment = launch
        environment["PATH"] = compose(
            launch: launch["PATH"], login: login,
            standard: standardLocations(home: HomeDirectory.path(environment: launch)))
        return environment
    }
}
