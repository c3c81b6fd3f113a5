import CredentialHelperProtocol

/// What one helper-mode run answers for: the profiles, the output mode and the profile, resolved
/// from a ``HelperRequest`` and the environment. The cached fast path and the full helper resolve a
/// run with this one function, so they cannot disagree on which profile a link or subcommand means.
public struct HelperRunTarget: Sendable {
    /// The profiles files read.
    public let catalog: ProfileCatalog
    /// What to print.
    public let mode: OutputMode
    /// The profile selected.
    public let profile: Profile

    /// Reads the profiles (``ProfileCatalog/locate(userPath:environment:)``) and resolves `request`
    /// in them (``HelperRequest/resolve(in:)``, ``ProfileCatalog/select(_:environment:)``).
    public static func resolve(_ request: HelperRequest, environment: [String: String]) throws(CredhelperFailure)
        -> HelperRunTarget
    {
        let catalog = try ProfileCatalog.locate(environment: environment)
        let (mode, name) = try request.resolve(in: catalog)
        return HelperRunTarget(
            catalog: catalog, mode: mode, profile: try catalog.select(name, environment: environment))
    }

    /// The bytes to print for `token`: the profile's answer in this run's mode.
    public func render(_ token: Secret) -> [UInt8] { mode.render(profile.answer(token: token)) }
}

extension Profile {
    /// The protocol answer for `token` under this profile: the bare token, or a JSON object when the
    /// profile adds headers.
    public func answer(token: Secret) -> HelperAnswer {
        HelperAnswer(token: token, headers: headers, format: headers.isEmpty ? .bareToken : .jsonObject)
    }
}
