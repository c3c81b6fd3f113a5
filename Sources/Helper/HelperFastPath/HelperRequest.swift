import AWSSigning
import CredentialHelperProtocol

/// One run of the helper as its command line asks: which output mode, which profile, and whether
/// the person asked to be signed in if needed.
///
/// Either a mode subcommand (`credhelper token [--profile P] [--interactive]`) or a run with no
/// arguments, whose executable name may be a link: `credhelper-PROFILE` (the inference helper), or
/// `credhelper-PROFILE@MODE` / `credhelper@MODE` (the default profile) — the one syntax every mode,
/// the AWS ones included, is named by. The older `credhelper-MODE-PROFILE` and `credhelper-MODE`
/// still work. A profile whose whole name matches the link wins, so links made before modes existed
/// keep their meaning.
public struct HelperRequest: Sendable, Hashable {
    /// The mode a subcommand named; nil for a run with no arguments (see ``resolve(in:)``).
    public var mode: OutputMode?
    /// The profile `--profile` named.
    public var profile: String?
    /// Whether `--interactive` was given.
    public var interactive: Bool
    /// What follows `credhelper-` in the executable's name, for a run with no arguments.
    public var link: String?

    /// A request.
    public init(mode: OutputMode? = nil, profile: String? = nil, interactive: Bool = false, link: String? = nil) {
        self.mode = mode
        self.profile = profile
        self.interactive = interactive
        self.link = link
    }

    /// The request a run with no arguments makes, from its executable's name
    /// (``ProfileCatalog/profileName(fromExecutable:)``).
    public init(executable: String) {
        self.init(link: ProfileCatalog.profileName(fromExecutable: executable))
    }

    /// The profile the link names, for the run log: the part before `@MODE` (nil when none), or the
    /// whole link.
    public var linkedProfile: String? {
        guard let link else { return nil }
        guard let at = link.lastIndex(of: "@") else { return link }
        return at == link.startIndex ? nil : String(link[..<at])
    }

    /// The mode subcommand in `arguments` (a process's, the executable first) when they are exactly
    /// `MODE`, then `--profile NAME` (or `--profile=NAME`) and `--interactive` at most once each, in
    /// any order; nil for anything else, which is left to the full command line (help, errors).
    public static func subcommand(_ arguments: [String]) -> HelperRequest? {
        guard arguments.count >= 2, let mode = OutputMode.named(arguments[1]) else { return nil }
        var request = HelperRequest(mode: mode)
        var rest = arguments[2...]
        while let argument = rest.popFirst() {
            if argument == "--interactive", !request.interactive {
                request.interactive = true
            } else if argument == "--profile", request.profile == nil, let name = rest.popFirst(), !name.isEmpty {
                request.profile = name
            } else if argument.hasPrefix("--profile="), request.profile == nil, argument.count > "--profile=".count {
                request.profile = String(argument.dropFirst("--profile=".count))
            } else {
                return nil
            }
        }
        return request
    }

    /// The mode, and the profile to select (nil: the default one). A link that names neither a
    /// profile nor `MODE-PROFILE` / `MODE` is a configuration error listing the modes.
    public func resolve(in catalog: ProfileCatalog) throws(CredhelperFailure) -> (mode: OutputMode, profile: String?) {
        if let mode { return (mode, profile) }
        guard let link else { return (.inference, nil) }
        // A link that reads as MODE-PROFILE for a machine-wide profile is the administrator's: a
        // profile of the user's own file named like the whole link does not take it over.
        if !catalog.isMachineWide(link) {
            for mode in OutputMode.registered where link.hasPrefix(mode.name + "-") {
                let name = String(link.dropFirst(mode.name.count + 1))
                if catalog.isMachineWide(name) { return (mode, name) }
            }
        }
        if catalog.profiles[link] != nil { return (.inference, link) }
        if let at = link.lastIndex(of: "@") {
            let name = String(link[link.index(after: at)...])
            guard let mode = name == OutputMode.inference.name ? .inference : OutputMode.named(name) else {
                throw CredhelperFailure(
                    .configuration,
                    "unknown output mode \"\(name)\" in the link credhelper-\(link); use one of inference, "
                        + "\(OutputMode.names), or an AWS mode: \(AWSOutputMode.names)")
            }
            return (mode, at == link.startIndex ? nil : String(link[..<at]))
        }
        for mode in OutputMode.registered {
            if link == mode.name { return (mode, nil) }
            if link.hasPrefix(mode.name + "-") { return (mode, String(link.dropFirst(mode.name.count + 1))) }
        }
        let known = catalog.profiles.keys.sorted().joined(separator: ", ")
        throw CredhelperFailure(
            .configuration,
            "no profile \"\(link)\" in \(catalog.filesDescription) (\(catalog.files.count > 1 ? "they have" : "it has"): "
                + "\(known.isEmpty ? "none" : known)); name the link credhelper-PROFILE for the inference helper, or "
                + "credhelper-PROFILE@MODE with MODE one of \(OutputMode.names)")
    }

    /// The context to act in. When the host set `CLAUDE_HELPER_CONTEXT` (`variable`), its value
    /// (nil, silent only, when unknown). Otherwise, for any mode but ``OutputMode/inference`` — a
    /// consumer such as `apiKeyHelper` that sets no context — `interactive` when `--interactive` was
    /// given or stdin is a terminal (a person ran it), and nil (the silent path only) when not.
    public func context(mode: OutputMode, variable: String?, stdinIsTerminal: Bool) -> HelperContext? {
        if let variable { return try? HelperContext.parse(variable) }
        guard mode != .inference, interactive || stdinIsTerminal else { return nil }
        return .interactive
    }
}
