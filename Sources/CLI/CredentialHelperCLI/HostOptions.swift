import ArgumentParser
import CredentialHelperHost
import CredentialHelperProtocol

/// The host configuration flags shared by the commands that act as a host.
///
/// Resolution order: a file in a managed location (``ManagedLocations``) takes the configuration
/// over (every other value is then ignored); otherwise flags over environment variables over local
/// config files. `--config` replaces `$CREDHELPER_CONFIG`, never adds to it.
struct HostOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A config file (claude_desktop_config.json, a flat JSON object of keys, a managed-preferences plist or "
                + ".mobileconfig) or the app's configLibrary folder; repeatable, a later file wins, and a file in a managed "
                + "location (\(ManagedLocations.system.directories.joined(separator: ", "))) wins and the others are ignored. "
                + "Default: $CREDHELPER_CONFIG (paths separated by \":\").", valueName: "path"))
    var config: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The helper's absolute path (inferenceCredentialHelper).", valueName: "path"))
    var helper: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Cache lifetime in seconds (inferenceCredentialHelperTtlSec, default 3600).", valueName: "seconds"))
    var ttl: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Per-run timeout in seconds (inferenceCredentialHelperTimeoutSec, default 60, max 600).",
            valueName: "seconds"))
    var timeout: String?

    @Option(
        name: .customLong("custom-headers"),
        help: ArgumentHelp(
            "Static headers as a JSON object: {\"Name\":\"Value\"} (inferenceCustomHeaders).",
            valueName: "json"))
    var customHeaders: String?

    @Option(
        name: .customLong("auth-scheme"),
        help: ArgumentHelp(
            "bearer (Authorization: Bearer) or x-api-key (inferenceGatewayAuthScheme).", valueName: "scheme"))
    var authScheme: String?

    @Flag(
        name: .customLong("launch-path-only"),
        help: ArgumentHelp(
            "Run the helper with this process's PATH only, without the login shell's PATH and the standard install "
                + "locations (also: \(HelperSearchPath.switchVariable)=0)."))
    var launchPathOnly = false

    /// The configuration from the config file, the environment and these flags, with its warnings.
    func resolve(environment: [String: String]) throws(ConfigurationError) -> ResolvedConfiguration {
        var paths = config
        if paths.isEmpty, let listed = environment["CREDHELPER_CONFIG"] {
            paths = listed.split(separator: ":").map(String.init)
        }
        var layers = try ConfigurationLayer.files(at: paths)
        layers.append(ConfigurationLayer.environment(environment))
        var flags = ConfigurationLayer(source: "the command line", origin: .commandLine)
        let given: [(ConfigurationKey, String?)] = [
            (.helper, helper), (.ttl, ttl), (.timeout, timeout), (.customHeaders, customHeaders),
            (.authScheme, authScheme),
        ]
        for case (let key, let value?) in given { flags.values[key] = .string(value) }
        layers.append(flags)
        return try HostConfiguration.resolve(layers)
    }
}
